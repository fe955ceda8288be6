// Row softmax, forward and backward side by side; the log-sum-exp it saves lets attention's
// backward recompute probabilities block by block instead of storing them.
#include "nn_isa.h"

NN_INLINE void nn_softmax_fwd_impl(const float *restrict x, float *restrict y, float *restrict lse,
                                   int64_t rows, int64_t cols, int64_t ld) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * ld;
        float *yr = y + r * ld;
        float m = nn_max(xr, cols);
        for (int64_t c = 0; c < cols; c++) yr[c] = nn_expf(xr[c] - m);
        float s = (float)nn_sum(yr, cols);
        float inv = 1.0f / s;
        for (int64_t c = 0; c < cols; c++) yr[c] *= inv;
        if (lse) lse[r] = m + logf(s);
    }
}
NN_DISPATCH(nn_softmax_fwd,
            (const float *restrict x, float *restrict y, float *restrict lse, int64_t rows, int64_t cols, int64_t ld),
            (x, y, lse, rows, cols, ld))

NN_INLINE void nn_softmax_bwd_impl(const float *restrict y, const float *restrict dy, float *restrict dx,
                                   int64_t rows, int64_t cols, int64_t ld) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * ld, *dyr = dy + r * ld;
        float *dxr = dx + r * ld;
        float dot = (float)nn_dot(yr, dyr, cols);
        for (int64_t c = 0; c < cols; c++) dxr[c] = yr[c] * (dyr[c] - dot);
    }
}
NN_DISPATCH(nn_softmax_bwd,
            (const float *restrict y, const float *restrict dy, float *restrict dx, int64_t rows, int64_t cols, int64_t ld),
            (y, dy, dx, rows, cols, ld))

NN_INLINE void nn_softmax_from_lse_impl(float *restrict x, const float *restrict lse, int64_t rows, int64_t cols,
                                        int64_t ld) {
    for (int64_t r = 0; r < rows; r++) {
        float *xr = x + r * ld;
        float l = lse[r];
        for (int64_t c = 0; c < cols; c++) xr[c] = nn_expf(xr[c] - l);
    }
}
NN_DISPATCH(nn_softmax_from_lse, (float *restrict x, const float *restrict lse, int64_t rows, int64_t cols, int64_t ld),
            (x, lse, rows, cols, ld))
