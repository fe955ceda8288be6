// Convolution lowering: im2col (forward) and its adjoint col2im (backward), side by side.
// Row (c, ki, kj) of col holds x[c, oy*sh - ph + ki, ox*sw - pw + kj] for every output (oy, ox).
#include "nn_isa.h"

NN_INLINE void nn_im2col_impl(const float *restrict x, float *restrict col, int64_t C, int64_t H, int64_t W,
                              int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                              int64_t HO, int64_t WO) {
    for (int64_t c = 0; c < C; c++)
        for (int64_t ki = 0; ki < KH; ki++)
            for (int64_t kj = 0; kj < KW; kj++) {
                float *row = col + ((c * KH + ki) * KW + kj) * HO * WO;
                for (int64_t oy = 0; oy < HO; oy++) {
                    int64_t iy = oy * sh - ph + ki;
                    float *out = row + oy * WO;
                    if (iy < 0 || iy >= H) {
                        for (int64_t ox = 0; ox < WO; ox++) out[ox] = 0.0f;
                        continue;
                    }
                    const float *in = x + (c * H + iy) * W;
                    if (sw == 1) {
                        // valid ox: 0 <= ox - pw + kj < W
                        int64_t lo = pw - kj, hi = W + pw - kj;
                        if (lo < 0) lo = 0;
                        if (hi > WO) hi = WO;
                        for (int64_t ox = 0; ox < WO && ox < lo; ox++) out[ox] = 0.0f;
                        for (int64_t ox = lo; ox < hi; ox++) out[ox] = in[ox - pw + kj];
                        for (int64_t ox = hi > lo ? hi : lo; ox < WO; ox++) out[ox] = 0.0f;
                    } else {
                        for (int64_t ox = 0; ox < WO; ox++) {
                            int64_t ix = ox * sw - pw + kj;
                            out[ox] = (ix >= 0 && ix < W) ? in[ix] : 0.0f;
                        }
                    }
                }
            }
}
NN_DISPATCH(nn_im2col,
            (const float *restrict x, float *restrict col, int64_t C, int64_t H, int64_t W, int64_t KH, int64_t KW,
             int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO, int64_t WO),
            (x, col, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO))

NN_INLINE void nn_col2im_impl(const float *restrict dcol, float *restrict dx, int64_t C, int64_t H, int64_t W,
                              int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                              int64_t HO, int64_t WO) {
    for (int64_t c = 0; c < C; c++)
        for (int64_t ki = 0; ki < KH; ki++)
            for (int64_t kj = 0; kj < KW; kj++) {
                const float *row = dcol + ((c * KH + ki) * KW + kj) * HO * WO;
                for (int64_t oy = 0; oy < HO; oy++) {
                    int64_t iy = oy * sh - ph + ki;
                    if (iy < 0 || iy >= H) continue;
                    const float *g = row + oy * WO;
                    float *out = dx + (c * H + iy) * W;
                    if (sw == 1) {
                        int64_t lo = pw - kj, hi = W + pw - kj;
                        if (lo < 0) lo = 0;
                        if (hi > WO) hi = WO;
                        for (int64_t ox = lo; ox < hi; ox++) out[ox - pw + kj] += g[ox];
                    } else {
                        for (int64_t ox = 0; ox < WO; ox++) {
                            int64_t ix = ox * sw - pw + kj;
                            if (ix >= 0 && ix < W) out[ix] += g[ox];
                        }
                    }
                }
            }
}
NN_DISPATCH(nn_col2im,
            (const float *restrict dcol, float *restrict dx, int64_t C, int64_t H, int64_t W, int64_t KH, int64_t KW,
             int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO, int64_t WO),
            (dcol, dx, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO))
