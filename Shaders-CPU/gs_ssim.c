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

// Work is split into bands of rows of a plane, so three colour planes spread evenly over the
// cores: a band's separable blur reads GS_SSIM_RADIUS rows above and below it (its halo), which the
// horizontal pass covers; the backward's halo rows come from the saved forward moments of the
// neighbouring bands, so every band's forward runs before any band's backward.

// Rows [r0, r1) of window (x) window applied to one plane (H x W, zero padding). `in` holds rows
// from in_row0 on (row y at in + (y - in_row0) W) and must cover the halo [r0 - R, r1 + R) within the
// plane; out holds rows from r0 on. tmp [(r1 - r0 + 2R) W] takes the horizontal pass, pad [W + 2R]
// one zero-padded row. Both passes loop over x innermost so they vectorise.
NN_INLINE void gs_blur_rows(const float *restrict in, int64_t in_row0, float *restrict tmp, float *restrict pad,
                            float *restrict out, int64_t H, int64_t W, int64_t r0, int64_t r1, const float *w) {
    int64_t P = W + 2 * GS_SSIM_RADIUS;
    int64_t h0 = r0 - GS_SSIM_RADIUS > 0 ? r0 - GS_SSIM_RADIUS : 0;
    int64_t h1 = r1 + GS_SSIM_RADIUS < H ? r1 + GS_SSIM_RADIUS : H;
    for (int64_t k = 0; k < GS_SSIM_RADIUS; k++) pad[k] = pad[P - 1 - k] = 0;
    for (int64_t y = h0; y < h1; y++) {
        memcpy(pad + GS_SSIM_RADIUS, in + (y - in_row0) * W, (size_t)W * sizeof(float));
        float *t = tmp + (y - h0) * W;
        for (int64_t x = 0; x < W; x++) {  // all taps of an output in a register: one store, not 11
            float acc = 0;
            for (int k = 0; k <= 2 * GS_SSIM_RADIUS; k++) acc += w[k] * pad[x + k];
            t[x] = acc;
        }
    }
    for (int64_t y = r0; y < r1; y++) {
        float *o = out + (y - r0) * W;
        int64_t k0 = y < GS_SSIM_RADIUS ? GS_SSIM_RADIUS - y : 0;
        int64_t k1 = y + GS_SSIM_RADIUS >= H ? GS_SSIM_RADIUS + (H - 1 - y) : 2 * GS_SSIM_RADIUS;
        int64_t top = (y - GS_SSIM_RADIUS - h0) * W;  // the window's first row in tmp (negative near the top edge)
        if (k0 == 0 && k1 == 2 * GS_SSIM_RADIUS) {
            for (int64_t x = 0; x < W; x++) {  // interior rows: all taps in a register
                float acc = 0;
                for (int k = 0; k <= 2 * GS_SSIM_RADIUS; k++) acc += w[k] * tmp[top + k * W + x];
                o[x] = acc;
            }
        } else {  // rows within R of the edge: the taps inside the image, zero padding elsewhere
            for (int64_t x = 0; x < W; x++) o[x] = 0;
            for (int64_t k = k0; k <= k1; k++) {
                float wk = w[k];
                for (int64_t x = 0; x < W; x++) o[x] += wk * tmp[top + k * W + x];
            }
        }
    }
}

// Plane p, rows [r0, r1) of x, y [planes, H, W]: *sum = sum of the SSIM map over the band, each pixel
// weighted by weight [H, W] (NULL: 1); saved [planes, 5, H, W] gets the band's (mu_x, mu_y, E[x^2],
// E[xy], sigma_y^2) for the backward; scratch [(3 B + 4R) W + W + 2R], B = r1 - r0.
// weighted (weight != NULL) is a constant at each call: each variant is compiled on its own, since a
// per-pixel `weight ? weight[i] : 1` becomes a masked load from NULL, which AMD cores serve slowly.
NN_INLINE void gs_ssim_fwd_body(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H,
                                int64_t W, int64_t p, int64_t r0, int64_t r1, float *restrict saved,
                                float *restrict scratch, double *restrict sum_out, const int weighted) {
    float w[2 * GS_SSIM_RADIUS + 1];
    gs_ssim_window(w);
    int64_t n = H * W, B = r1 - r0;
    int64_t h0 = r0 - GS_SSIM_RADIUS > 0 ? r0 - GS_SSIM_RADIUS : 0;
    int64_t h1 = r1 + GS_SSIM_RADIUS < H ? r1 + GS_SSIM_RADIUS : H, span = (h1 - h0) * W;
    float *prod = scratch, *eyy = prod + (B + 2 * GS_SSIM_RADIUS) * W, *tmp = eyy + B * W;
    float *pad = tmp + (B + 2 * GS_SSIM_RADIUS) * W;
    const float *xp = x + p * n, *yp = y + p * n;
    const float *xh = xp + h0 * W, *yh = yp + h0 * W;  // the halo rows
    float *mx = saved + p * 5 * n + r0 * W, *my = mx + n, *exx = my + n, *exy = exx + n, *syy = exy + n;
    gs_blur_rows(xp, 0, tmp, pad, mx, H, W, r0, r1, w);
    gs_blur_rows(yp, 0, tmp, pad, my, H, W, r0, r1, w);
    for (int64_t i = 0; i < span; i++) prod[i] = xh[i] * xh[i];
    gs_blur_rows(prod, h0, tmp, pad, exx, H, W, r0, r1, w);
    for (int64_t i = 0; i < span; i++) prod[i] = xh[i] * yh[i];
    gs_blur_rows(prod, h0, tmp, pad, exy, H, W, r0, r1, w);
    for (int64_t i = 0; i < span; i++) prod[i] = yh[i] * yh[i];
    gs_blur_rows(prod, h0, tmp, pad, eyy, H, W, r0, r1, w);
    const float *wb = weighted ? weight + r0 * W : NULL;
    // The map overwrites eyy (no longer needed); summed in double over 8 lanes (lane = index mod 8,
    // reduced in order) so the loop vectorises without reassociating a single sum.
    float *map = eyy;
    for (int64_t i = 0; i < B * W; i++) {
        syy[i] = eyy[i] - my[i] * my[i];
        float sxx = exx[i] - mx[i] * mx[i], sxy = exy[i] - mx[i] * my[i];
        float a1 = 2 * mx[i] * my[i] + GS_SSIM_C1, a2 = 2 * sxy + GS_SSIM_C2;
        float b1 = mx[i] * mx[i] + my[i] * my[i] + GS_SSIM_C1, b2 = sxx + syy[i] + GS_SSIM_C2;
        float ssim = a1 * a2 / (b1 * b2);
        map[i] = weighted ? wb[i] * ssim : ssim;
    }
    double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= B * W; i += 8)
        for (int l = 0; l < 8; l++) lanes[l] += (double)map[i + l];
    double sum = 0;
    for (; i < B * W; i++) sum += (double)map[i];
    for (int l = 0; l < 8; l++) sum += lanes[l];
    *sum_out = sum;
}
NN_INLINE void gs_ssim_fwd_impl(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H,
                                int64_t W, int64_t p, int64_t r0, int64_t r1, float *restrict saved,
                                float *restrict scratch, double *restrict sum_out) {
    if (weight)
        gs_ssim_fwd_body(x, y, weight, H, W, p, r0, r1, saved, scratch, sum_out, 1);
    else
        gs_ssim_fwd_body(x, y, NULL, H, W, p, r0, r1, saved, scratch, sum_out, 0);
}
NN_DISPATCH(gs_ssim_fwd,
            (const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H, int64_t W,
             int64_t p, int64_t r0, int64_t r1, float *restrict saved, float *restrict scratch, double *restrict sum_out),
            (x, y, weight, H, W, p, r0, r1, saved, scratch, sum_out))

// Gradient of (scale x sum of the SSIM map, weighted as in the forward) with respect to x, through
// the three window means that involve x (mu_x, E[x^2], E[xy]); the zero-padded window is its own
// transpose. Plane p, rows [r0, r1) of dx [planes, H, W] overwritten, from the saved moments of the
// rows [r0 - R, r1 + R); scratch [(5 B + 8R) W + W + 2R].
NN_INLINE void gs_ssim_bwd_body(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H,
                                int64_t W, int64_t p, int64_t r0, int64_t r1, const float *restrict saved, float scale,
                                float *restrict scratch, float *restrict dx, const int weighted) {
    float w[2 * GS_SSIM_RADIUS + 1];
    gs_ssim_window(w);
    int64_t n = H * W, B = r1 - r0, halo = (B + 2 * GS_SSIM_RADIUS) * W;
    int64_t h0 = r0 - GS_SSIM_RADIUS > 0 ? r0 - GS_SSIM_RADIUS : 0;
    int64_t h1 = r1 + GS_SSIM_RADIUS < H ? r1 + GS_SSIM_RADIUS : H, span = (h1 - h0) * W;
    float *g1 = scratch, *g2 = g1 + halo, *g3 = g2 + halo, *blurred = g3 + halo, *tmp = blurred + B * W, *pad = tmp + halo;
    const float *mx = saved + p * 5 * n + h0 * W, *my = mx + n, *exx = my + n, *exy = exx + n, *syy = exy + n;
    const float *wh = weighted ? weight + h0 * W : NULL;
    for (int64_t i = 0; i < span; i++) {
        float sxx = exx[i] - mx[i] * mx[i], sxy = exy[i] - mx[i] * my[i];
        float a1 = 2 * mx[i] * my[i] + GS_SSIM_C1, a2 = 2 * sxy + GS_SSIM_C2;
        float b1 = mx[i] * mx[i] + my[i] * my[i] + GS_SSIM_C1, b2 = sxx + syy[i] + GS_SSIM_C2;
        float s = a1 * a2 / (b1 * b2), k = weighted ? scale * wh[i] : scale;
        // S as a function of (mu_x, E[x^2], E[xy]), with sigma_xx = E[x^2] - mu_x^2, sigma_xy = E[xy] - mu_x mu_y.
        g1[i] = k * ((2 * my[i] * a2 - 2 * my[i] * a1) / (b1 * b2) - s * (2 * mx[i] / b1 - 2 * mx[i] / b2));
        g2[i] = k * (-s / b2);
        g3[i] = k * (2 * a1 / (b1 * b2));
    }
    const float *xb = x + p * n + r0 * W, *yb = y + p * n + r0 * W;
    float *out = dx + p * n + r0 * W;
    gs_blur_rows(g1, h0, tmp, pad, out, H, W, r0, r1, w);
    gs_blur_rows(g2, h0, tmp, pad, blurred, H, W, r0, r1, w);
    for (int64_t i = 0; i < B * W; i++) out[i] += 2 * xb[i] * blurred[i];
    gs_blur_rows(g3, h0, tmp, pad, blurred, H, W, r0, r1, w);
    for (int64_t i = 0; i < B * W; i++) out[i] += yb[i] * blurred[i];
}
NN_INLINE void gs_ssim_bwd_impl(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H,
                                int64_t W, int64_t p, int64_t r0, int64_t r1, const float *restrict saved, float scale,
                                float *restrict scratch, float *restrict dx) {
    if (weight)
        gs_ssim_bwd_body(x, y, weight, H, W, p, r0, r1, saved, scale, scratch, dx, 1);
    else
        gs_ssim_bwd_body(x, y, NULL, H, W, p, r0, r1, saved, scale, scratch, dx, 0);
}
NN_DISPATCH(gs_ssim_bwd,
            (const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H, int64_t W,
             int64_t p, int64_t r0, int64_t r1, const float *restrict saved, float scale, float *restrict scratch,
             float *restrict dx),
            (x, y, weight, H, W, p, r0, r1, saved, scale, scratch, dx))
