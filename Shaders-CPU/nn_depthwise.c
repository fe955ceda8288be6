// Depthwise convolution (torch conv2d with groups = C): output channel o correlates input channel
// o / mult with its own KH x KW kernel. Forward, input gradient and weight gradient side by side;
// all three walk the same (oy, ki, kj) -> valid ox range, so the inner loop is a contiguous
// (vectorisable) run for stride 1.
#include "nn_isa.h"

// Output columns ox with 0 <= ox * sw - pw + kj < W: [lo, hi).
NN_INLINE void nn_dw_range(int64_t kj, int64_t W, int64_t WO, int64_t sw, int64_t pw, int64_t *lo, int64_t *hi) {
    int64_t a = pw - kj, b = W - 1 + pw - kj;  // sw * ox in [a, b]
    int64_t l = a <= 0 ? 0 : (a + sw - 1) / sw;
    int64_t h = b < 0 ? 0 : b / sw + 1;
    *lo = l;
    *hi = h < WO ? h : WO;
}

// y[o] = bias[o] + sum_{ki,kj} w[o, ki, kj] x[o / mult] shifted, for output channels [o0, o1) of
// one image; x: [C, H, W], w: [O, KH, KW], y: [O, HO, WO].
NN_INLINE void nn_depthwise_fwd_impl(const float *restrict x, const float *restrict w, const float *restrict bias,
                                     float *restrict y, int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh,
                                     int64_t sw, int64_t ph, int64_t pw, int64_t HO, int64_t WO, int64_t mult,
                                     int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
        const float *xc = x + (o / mult) * H * W, *wo = w + o * KH * KW;
        float *yo = y + o * HO * WO;
        float b = bias ? bias[o] : 0.0f;
        for (int64_t i = 0; i < HO * WO; i++) yo[i] = b;
        for (int64_t oy = 0; oy < HO; oy++)
            for (int64_t ki = 0; ki < KH; ki++) {
                int64_t iy = oy * sh - ph + ki;
                if (iy < 0 || iy >= H) continue;
                const float *xrow = xc + iy * W;
                float *yrow = yo + oy * WO;
                for (int64_t kj = 0; kj < KW; kj++) {
                    float wv = wo[ki * KW + kj];
                    int64_t lo, hi;
                    nn_dw_range(kj, W, WO, sw, pw, &lo, &hi);
                    if (sw == 1) {
                        const float *src = xrow - pw + kj;
                        for (int64_t ox = lo; ox < hi; ox++) yrow[ox] += wv * src[ox];
                    } else {
                        for (int64_t ox = lo; ox < hi; ox++) yrow[ox] += wv * xrow[ox * sw - pw + kj];
                    }
                }
            }
    }
}
NN_DISPATCH(nn_depthwise_fwd,
            (const float *restrict x, const float *restrict w, const float *restrict bias, float *restrict y,
             int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO,
             int64_t WO, int64_t mult, int64_t o0, int64_t o1),
            (x, w, bias, y, H, W, KH, KW, sh, sw, ph, pw, HO, WO, mult, o0, o1))

// dx[c] += sum over the output channels o of c (o / mult == c) of the adjoint of the forward,
// for input channels [c0, c1); dx must be zeroed by the caller.
NN_INLINE void nn_depthwise_bwd_input_impl(const float *restrict dy, const float *restrict w, float *restrict dx,
                                           int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                                           int64_t ph, int64_t pw, int64_t HO, int64_t WO, int64_t mult, int64_t c0,
                                           int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
        float *dxc = dx + c * H * W;
        for (int64_t o = c * mult; o < (c + 1) * mult; o++) {
            const float *dyo = dy + o * HO * WO, *wo = w + o * KH * KW;
            for (int64_t oy = 0; oy < HO; oy++)
                for (int64_t ki = 0; ki < KH; ki++) {
                    int64_t iy = oy * sh - ph + ki;
                    if (iy < 0 || iy >= H) continue;
                    float *dxrow = dxc + iy * W;
                    const float *g = dyo + oy * WO;
                    for (int64_t kj = 0; kj < KW; kj++) {
                        float wv = wo[ki * KW + kj];
                        int64_t lo, hi;
                        nn_dw_range(kj, W, WO, sw, pw, &lo, &hi);
                        if (sw == 1) {
                            float *dst = dxrow - pw + kj;
                            for (int64_t ox = lo; ox < hi; ox++) dst[ox] += wv * g[ox];
                        } else {
                            for (int64_t ox = lo; ox < hi; ox++) dxrow[ox * sw - pw + kj] += wv * g[ox];
                        }
                    }
                }
        }
    }
}
NN_DISPATCH(nn_depthwise_bwd_input,
            (const float *restrict dy, const float *restrict w, float *restrict dx, int64_t H, int64_t W, int64_t KH,
             int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO, int64_t WO, int64_t mult,
             int64_t c0, int64_t c1),
            (dy, w, dx, H, W, KH, KW, sh, sw, ph, pw, HO, WO, mult, c0, c1))

// dw[o] += sum over positions of dy[o] x[o / mult] shifted, for output channels [o0, o1) of one image.
NN_INLINE void nn_depthwise_bwd_weight_impl(const float *restrict dy, const float *restrict x, float *restrict dw,
                                            int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                                            int64_t ph, int64_t pw, int64_t HO, int64_t WO, int64_t mult, int64_t o0,
                                            int64_t o1) {
    for (int64_t o = o0; o < o1; o++) {
        const float *xc = x + (o / mult) * H * W, *dyo = dy + o * HO * WO;
        float *dwo = dw + o * KH * KW;
        for (int64_t ki = 0; ki < KH; ki++)
            for (int64_t kj = 0; kj < KW; kj++) {
                int64_t lo, hi;
                nn_dw_range(kj, W, WO, sw, pw, &lo, &hi);
                double acc = 0.0;
                for (int64_t oy = 0; oy < HO; oy++) {
                    int64_t iy = oy * sh - ph + ki;
                    if (iy < 0 || iy >= H) continue;
                    const float *xrow = xc + iy * W, *g = dyo + oy * WO;
                    float s = 0.0f;
                    if (sw == 1) {
                        const float *src = xrow - pw + kj;
                        for (int64_t ox = lo; ox < hi; ox++) s += g[ox] * src[ox];
                    } else {
                        for (int64_t ox = lo; ox < hi; ox++) s += g[ox] * xrow[ox * sw - pw + kj];
                    }
                    acc += s;
                }
                dwo[ki * KW + kj] += (float)acc;
            }
    }
}
NN_DISPATCH(nn_depthwise_bwd_weight,
            (const float *restrict dy, const float *restrict x, float *restrict dw, int64_t H, int64_t W, int64_t KH,
             int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO, int64_t WO, int64_t mult,
             int64_t o0, int64_t o1),
            (dy, x, dw, H, W, KH, KW, sh, sw, ph, pw, HO, WO, mult, o0, o1))
