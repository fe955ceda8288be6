// Elementwise activations, forward and backward side by side. All exp-based ones use nn_expf so
// the loops vectorise; GELU (erf form) uses libm erff, exact as PyTorch's.
#include "nn_isa.h"

NN_INLINE float nn_sigmoidf(float x) { return 1.0f / (1.0f + nn_expf(-x)); }

NN_INLINE void nn_exp_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = nn_expf(x[i]);
}
NN_DISPATCH(nn_exp_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

NN_INLINE void nn_sigmoid_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = nn_sigmoidf(x[i]);
}
NN_DISPATCH(nn_sigmoid_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// d sigmoid = y (1 - y)
NN_INLINE void nn_sigmoid_bwd_impl(const float *restrict y, const float *restrict dy, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
NN_DISPATCH(nn_sigmoid_bwd, (const float *restrict y, const float *restrict dy, float *restrict dx, int64_t n),
            (y, dy, dx, n))

// silu(x) = x sigmoid(x)
NN_INLINE void nn_silu_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * nn_sigmoidf(x[i]);
}
NN_DISPATCH(nn_silu_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// d silu = s (1 + x (1 - s)), s = sigmoid(x)
NN_INLINE void nn_silu_bwd_impl(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float s = nn_sigmoidf(x[i]);
        dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
}
NN_DISPATCH(nn_silu_bwd, (const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n),
            (x, dy, dx, n))

// GELU, tanh form: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).
// 0.5 (1 + tanh(u)) = sigmoid(2u), which keeps full precision in the negative tail.
#define NN_SQRT_2_OVER_PI 0.7978845608028654f
NN_INLINE void nn_gelu_tanh_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float u = NN_SQRT_2_OVER_PI * (v + 0.044715f * v * v * v);
        y[i] = v * nn_sigmoidf(2.0f * u);
    }
}
NN_DISPATCH(nn_gelu_tanh_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// d/dx = s + x * 2 s (1 - s) du/dx, du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2)
NN_INLINE void nn_gelu_tanh_bwd_impl(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float u = NN_SQRT_2_OVER_PI * (v + 0.044715f * v * v * v);
        float s = nn_sigmoidf(2.0f * u);
        float du = NN_SQRT_2_OVER_PI * (1.0f + 3.0f * 0.044715f * v * v);
        dx[i] = dy[i] * (s + v * 2.0f * s * (1.0f - s) * du);
    }
}
NN_DISPATCH(nn_gelu_tanh_bwd, (const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n),
            (x, dy, dx, n))

// GELU, erf form: x Phi(x), Phi(x) = 0.5 (1 + erf(x / sqrt 2)).
NN_INLINE void nn_gelu_erf_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.7071067811865476f));
}
NN_DISPATCH(nn_gelu_erf_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi)
NN_INLINE void nn_gelu_erf_bwd_impl(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * 0.7071067811865476f));
        float pdf = 0.3989422804014327f * nn_expf(-0.5f * v * v);
        dx[i] = dy[i] * (cdf + v * pdf);
    }
}
NN_DISPATCH(nn_gelu_erf_bwd, (const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n),
            (x, dy, dx, n))
