// Square-window pooling without padding on planes [H, W] -> [HO, WO], forward and backward side
// by side. Max pooling records the flat index (ky * ... within the plane) of each window's first
// maximum, which the backward scatters the gradient to; average pooling spreads it evenly.
// The window loops are innermost over output columns so they vectorise (strided loads for s > 1).
#include "nn_isa.h"
#include <stdlib.h>

NN_INLINE void nn_pool2d_fwd_impl(const float *restrict x, float *restrict y, int32_t *restrict argmax, int64_t H,
                                  int64_t W, int64_t k, int64_t s, int64_t HO, int64_t WO, int64_t begin,
                                  int64_t end) {
    // Each input row is split into its s phases (phase q holds columns q, q + s, q + 2s, ...), so the
    // tap kx of every output column is the contiguous run phase[kx % s][ox + kx / s]: vector loads
    // instead of strided gathers.
    int64_t P = W / s + k + 1;  // phase length, with room for the last window's taps
    float *phases = (float *)malloc((size_t)(s * P) * sizeof(float));
    if (!phases) return;
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
    free(phases);
}
NN_DISPATCH(nn_pool2d_fwd,
            (const float *restrict x, float *restrict y, int32_t *restrict argmax, int64_t H, int64_t W, int64_t k,
             int64_t s, int64_t HO, int64_t WO, int64_t begin, int64_t end),
            (x, y, argmax, H, W, k, s, HO, WO, begin, end))

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
