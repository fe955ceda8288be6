// Square-window pooling without padding on planes [H, W] -> [HO, WO], forward and backward side
// by side. Max pooling records the flat index (ky * ... within the plane) of each window's first
// maximum, which the backward scatters the gradient to; average pooling spreads it evenly.
// The window loops are innermost over output columns so they vectorise: each input row is first
// split into its stride phases (see nn_pool2d_fwd), so every tap is a contiguous load.
#include "nn_isa.h"

// Length of one stride phase of an input row, with room for the last window's taps.
static int64_t nn_pool2d_phase_length(int64_t W, int64_t k, int64_t s) { return W / s + k + 1; }

int64_t nn_pool2d_scratch_floats(int64_t W, int64_t k, int64_t s) { return s * nn_pool2d_phase_length(W, k, s); }

NN_INLINE void nn_pool2d_fwd_impl(const float *restrict x, float *restrict y, int32_t *restrict argmax, int64_t H,
                                  int64_t W, int64_t k, int64_t s, int64_t HO, int64_t WO, int64_t begin,
                                  int64_t end, float *restrict phases) {
    // Each input row is split into its s phases (phase q holds columns q, q + s, q + 2s, ...), so the
    // tap kx of every output column is the contiguous run phase[kx % s][ox + kx / s]: vector loads
    // instead of strided gathers.
    int64_t P = nn_pool2d_phase_length(W, k, s);
    for (int64_t p = begin; p < end; p++) {
        const float *xp = x + p * H * W;
        for (int64_t oy = 0; oy < HO; oy++) {
            float *yr = y + (p * HO + oy) * WO;
            int32_t *ar = argmax ? argmax + (p * HO + oy) * WO : NULL;
            if (ar) {
                for (int64_t ox = 0; ox < WO; ox++) { yr[ox] = -INFINITY; ar[ox] = (int32_t)(oy * s * W + ox * s); }
            } else {
                for (int64_t ox = 0; ox < WO; ox++) yr[ox] = 0.0f;
            }
            for (int64_t ky = 0; ky < k; ky++) {
                const float *xr = xp + (oy * s + ky) * W;
                if (s == 2) {  // AlexNet's and VGG's stride: a constant stride the compiler vectorises
                    for (int64_t j = 0; j < W / 2; j++) { phases[j] = xr[2 * j]; phases[P + j] = xr[2 * j + 1]; }
                    if (W % 2) phases[W / 2] = xr[W - 1];
                } else {
                    for (int64_t q = 0; q < s; q++)
                        for (int64_t j = 0; j * s + q < W; j++) phases[q * P + j] = xr[j * s + q];
                }
                for (int64_t kx = 0; kx < k; kx++) {
                    const float *src = phases + (kx % s) * P + kx / s;
                    if (ar) {
                        int32_t base = (int32_t)((oy * s + ky) * W + kx);
                        for (int64_t ox = 0; ox < WO; ox++) {
                            float v = src[ox];
                            int better = v > yr[ox];
                            yr[ox] = better ? v : yr[ox];
                            ar[ox] = better ? base + (int32_t)(ox * s) : ar[ox];
                        }
                    } else {
                        for (int64_t ox = 0; ox < WO; ox++) yr[ox] += src[ox];
                    }
                }
            }
            if (!ar) {
                float inv = 1.0f / (float)(k * k);
                for (int64_t ox = 0; ox < WO; ox++) yr[ox] *= inv;
            }
        }
    }
}
NN_DISPATCH(nn_pool2d_fwd,
            (const float *restrict x, float *restrict y, int32_t *restrict argmax, int64_t H, int64_t W, int64_t k,
             int64_t s, int64_t HO, int64_t WO, int64_t begin, int64_t end, float *restrict phases),
            (x, y, argmax, H, W, k, s, HO, WO, begin, end, phases))

NN_INLINE void nn_pool2d_bwd_impl(const float *restrict dy, const int32_t *restrict argmax, float *restrict dx,
                                  int64_t H, int64_t W, int64_t k, int64_t s, int64_t HO, int64_t WO, int64_t begin,
                                  int64_t end) {
    for (int64_t p = begin; p < end; p++) {
        float *dp = dx + p * H * W;
        for (int64_t i = 0; i < H * W; i++) dp[i] = 0.0f;
        for (int64_t oy = 0; oy < HO; oy++) {
            const float *gr = dy + (p * HO + oy) * WO;
            if (argmax) {
                const int32_t *ar = argmax + (p * HO + oy) * WO;
                for (int64_t ox = 0; ox < WO; ox++) dp[ar[ox]] += gr[ox];
            } else {
                float inv = 1.0f / (float)(k * k);
                for (int64_t ky = 0; ky < k; ky++) {
                    float *dr = dp + (oy * s + ky) * W;
                    for (int64_t kx = 0; kx < k; kx++)
                        for (int64_t ox = 0; ox < WO; ox++) dr[ox * s + kx] += gr[ox] * inv;
                }
            }
        }
    }
}
NN_DISPATCH(nn_pool2d_bwd,
            (const float *restrict dy, const int32_t *restrict argmax, float *restrict dx, int64_t H, int64_t W,
             int64_t k, int64_t s, int64_t HO, int64_t WO, int64_t begin, int64_t end),
            (dy, argmax, dx, H, W, k, s, HO, WO, begin, end))
