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
