// Adam (Kingma & Ba 2015) with bias correction; AdamW's decoupled weight decay (Loshchilov &
// Hutter 2019) when `decoupled`. Matches torch.optim.Adam/AdamW's update order.
#include "nn_isa.h"

NN_INLINE void nn_adam_step_impl(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                 int64_t n, float lr, float beta1, float beta2, float eps, float wd,
                                 float bc1, float bc2, int decoupled) {
    float step = lr / bc1;
    float rbc2 = 1.0f / sqrtf(bc2);
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        if (decoupled) p[i] -= lr * wd * p[i];
        else gi += wd * p[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
        v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        p[i] -= step * m[i] / (sqrtf(v[i]) * rbc2 + eps);
    }
}
NN_DISPATCH(nn_adam_step,
            (float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int64_t n, float lr,
             float beta1, float beta2, float eps, float wd, float bc1, float bc2, int decoupled),
            (p, g, m, v, n, lr, beta1, beta2, eps, wd, bc1, bc2, decoupled))

// Adam on rows [begin, end) of [rows, width] parameters whose first `lead` columns take lr_lead and the
// rest lr_rest (splat SH: the DC coefficients and the higher bands have different rates), without
// weight decay: one call for a range of rows instead of two per row.
NN_INLINE void nn_adam_step_rows_impl(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                      int64_t width, int64_t lead, int64_t begin, int64_t end, float lr_lead, float lr_rest,
                                      float beta1, float beta2, float eps, float bc1, float bc2) {
    for (int64_t r = begin; r < end; r++) {
        int64_t o = r * width;
        nn_adam_step_impl(p + o, g + o, m + o, v + o, lead, lr_lead, beta1, beta2, eps, 0.0f, bc1, bc2, 0);
        nn_adam_step_impl(p + o + lead, g + o + lead, m + o + lead, v + o + lead, width - lead, lr_rest, beta1, beta2, eps,
                          0.0f, bc1, bc2, 0);
    }
}
NN_DISPATCH(nn_adam_step_rows,
            (float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int64_t width, int64_t lead,
             int64_t begin, int64_t end, float lr_lead, float lr_rest, float beta1, float beta2, float eps, float bc1,
             float bc2),
            (p, g, m, v, width, lead, begin, end, lr_lead, lr_rest, beta1, beta2, eps, bc1, bc2))
