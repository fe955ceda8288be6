// SSIM as 3DGS trains with it (Wang et al. 2004; an 11x11 Gaussian window, sigma 1.5, zero padding,
// C1 = 0.01^2, C2 = 0.03^2, mean over pixels), fused and separable, forward and backward side by
// side. Planar images [planes, H, W]; each call handles planes [begin, end).
#include "nn_isa.h"

#define GS_SSIM_RADIUS 5
#define GS_SSIM_C1 (0.01f * 0.01f)
#define GS_SSIM_C2 (0.03f * 0.03f)

static void gs_ssim_window(float *w) {
    float sum = 0;
    for (int k = -GS_SSIM_RADIUS; k <= GS_SSIM_RADIUS; k++) sum += w[k + GS_SSIM_RADIUS] = expf(-(float)(k * k) / (2.0f * 1.5f * 1.5f));
    for (int k = 0; k <= 2 * GS_SSIM_RADIUS; k++) w[k] /= sum;
}

// out = window (x) window applied to in (H x W, zero padding); tmp [H, W + 2 radius] holds the
// zero-padded rows' horizontal pass. Both passes loop over x innermost so they vectorise.
NN_INLINE void gs_blur(const float *restrict in, float *restrict tmp, float *restrict out, int64_t H, int64_t W, const float *w) {
    int64_t P = W + 2 * GS_SSIM_RADIUS;
    float *pad = tmp + H * W;  // one padded row
    for (int64_t k = 0; k < GS_SSIM_RADIUS; k++) pad[k] = pad[P - 1 - k] = 0;
    for (int64_t y = 0; y < H; y++) {
        memcpy(pad + GS_SSIM_RADIUS, in + y * W, (size_t)W * sizeof(float));
        float *t = tmp + y * W;
        for (int64_t x = 0; x < W; x++) t[x] = 0;
        for (int k = 0; k <= 2 * GS_SSIM_RADIUS; k++) {
            float wk = w[k];
            const float *src = pad + k;
            for (int64_t x = 0; x < W; x++) t[x] += wk * src[x];
        }
    }
    for (int64_t y = 0; y < H; y++) {
        float *o = out + y * W;
        for (int64_t x = 0; x < W; x++) o[x] = 0;
        int64_t k0 = y < GS_SSIM_RADIUS ? GS_SSIM_RADIUS - y : 0;
        int64_t k1 = y + GS_SSIM_RADIUS >= H ? GS_SSIM_RADIUS + (H - 1 - y) : 2 * GS_SSIM_RADIUS;
        for (int64_t k = k0; k <= k1; k++) {
            const float *src = tmp + (y + k - GS_SSIM_RADIUS) * W;
            float wk = w[k];
            for (int64_t x = 0; x < W; x++) o[x] += wk * src[x];
        }
    }
}

// x, y [planes, H, W] -> sums[p] = sum of the SSIM map of plane p, each pixel weighted by weight [H, W]
// (NULL: 1); saved [planes, 5, H, W] keeps (mu_x, mu_y, E[x^2], E[xy], sigma_y^2) for the backward;
// scratch [3 H W + W + 10] per call.
NN_INLINE void gs_ssim_fwd_impl(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H,
                                int64_t W, int64_t begin, int64_t end, float *restrict saved, float *restrict scratch,
                                double *restrict sums) {
    float w[2 * GS_SSIM_RADIUS + 1];
    gs_ssim_window(w);
    int64_t n = H * W;
    float *prod = scratch, *eyy = scratch + n, *tmp = scratch + 2 * n;  // tmp last: its padded row follows it
    for (int64_t p = begin; p < end; p++) {
        const float *xp = x + p * n, *yp = y + p * n;
        float *mx = saved + p * 5 * n, *my = mx + n, *exx = my + n, *exy = exx + n, *syy = exy + n;
        gs_blur(xp, tmp, mx, H, W, w);
        gs_blur(yp, tmp, my, H, W, w);
        for (int64_t i = 0; i < n; i++) prod[i] = xp[i] * xp[i];
        gs_blur(prod, tmp, exx, H, W, w);
        for (int64_t i = 0; i < n; i++) prod[i] = xp[i] * yp[i];
        gs_blur(prod, tmp, exy, H, W, w);
        for (int64_t i = 0; i < n; i++) prod[i] = yp[i] * yp[i];
        gs_blur(prod, tmp, eyy, H, W, w);
        double sum = 0;
        for (int64_t i = 0; i < n; i++) {
            syy[i] = eyy[i] - my[i] * my[i];
            float sxx = exx[i] - mx[i] * mx[i], sxy = exy[i] - mx[i] * my[i];
            float a1 = 2 * mx[i] * my[i] + GS_SSIM_C1, a2 = 2 * sxy + GS_SSIM_C2;
            float b1 = mx[i] * mx[i] + my[i] * my[i] + GS_SSIM_C1, b2 = sxx + syy[i] + GS_SSIM_C2;
            sum += (double)((weight ? weight[i] : 1.0f) * (a1 * a2 / (b1 * b2)));
        }
        sums[p] = sum;
    }
}
NN_DISPATCH(gs_ssim_fwd,
            (const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H, int64_t W,
             int64_t begin, int64_t end, float *restrict saved, float *restrict scratch, double *restrict sums),
            (x, y, weight, H, W, begin, end, saved, scratch, sums))

// Gradient of (scale x sum of the SSIM map, weighted as in the forward) with respect to x, through the three window means that
// involve x (mu_x, E[x^2], E[xy]); the zero-padded window is its own transpose.
// dx [planes, H, W] overwritten; scratch [4 H W + W + 10] per call.
NN_INLINE void gs_ssim_bwd_impl(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H,
                                int64_t W, int64_t begin, int64_t end, const float *restrict saved, float scale,
                                float *restrict scratch, float *restrict dx) {
    float w[2 * GS_SSIM_RADIUS + 1];
    gs_ssim_window(w);
    int64_t n = H * W;
    float *g1 = scratch, *g2 = scratch + n, *g3 = scratch + 2 * n, *tmp = scratch + 3 * n;
    for (int64_t p = begin; p < end; p++) {
        const float *xp = x + p * n, *yp = y + p * n;
        const float *mx = saved + p * 5 * n, *my = mx + n, *exx = my + n, *exy = exx + n, *syy = exy + n;
        for (int64_t i = 0; i < n; i++) {
            float sxx = exx[i] - mx[i] * mx[i], sxy = exy[i] - mx[i] * my[i];
            float a1 = 2 * mx[i] * my[i] + GS_SSIM_C1, a2 = 2 * sxy + GS_SSIM_C2;
            float b1 = mx[i] * mx[i] + my[i] * my[i] + GS_SSIM_C1, b2 = sxx + syy[i] + GS_SSIM_C2;
            float s = a1 * a2 / (b1 * b2), k = weight ? scale * weight[i] : scale;
            // S as a function of (mu_x, E[x^2], E[xy]), with sigma_xx = E[x^2] - mu_x^2, sigma_xy = E[xy] - mu_x mu_y.
            g1[i] = k * ((2 * my[i] * a2 - 2 * my[i] * a1) / (b1 * b2) - s * (2 * mx[i] / b1 - 2 * mx[i] / b2));
            g2[i] = k * (-s / b2);
            g3[i] = k * (2 * a1 / (b1 * b2));
        }
        float *out = dx + p * n;
        gs_blur(g1, tmp, out, H, W, w);
        gs_blur(g2, tmp, g1, H, W, w);  // g1 is free again
        for (int64_t i = 0; i < n; i++) out[i] += 2 * xp[i] * g1[i];
        gs_blur(g3, tmp, g2, H, W, w);
        for (int64_t i = 0; i < n; i++) out[i] += yp[i] * g2[i];
    }
}
NN_DISPATCH(gs_ssim_bwd,
            (const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H, int64_t W,
             int64_t begin, int64_t end, const float *restrict saved, float scale, float *restrict scratch,
             float *restrict dx),
            (x, y, weight, H, W, begin, end, saved, scale, scratch, dx))
