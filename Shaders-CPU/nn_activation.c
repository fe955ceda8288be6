// Elementwise activations, forward and backward side by side. All exp-based ones use nn_expf and
// GELU's erf uses nn_erff, so every loop vectorises (libm's erff is a scalar call with branches).
#include "nn_isa.h"

NN_INLINE float nn_sigmoidf(float x) { return 1.0f / (1.0f + nn_expf(-x)); }

NN_INLINE void nn_exp_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = nn_expf(x[i]);
}
NN_DISPATCH(nn_exp_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// relu(x) = max(x, 0), NaN kept (as torch.relu).
NN_INLINE void nn_relu_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}
NN_DISPATCH(nn_relu_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// d relu = dy where the output is positive, else 0 (from the output y).
NN_INLINE void nn_relu_bwd_impl(const float *restrict y, const float *restrict dy, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
NN_DISPATCH(nn_relu_bwd, (const float *restrict y, const float *restrict dy, float *restrict dx, int64_t n),
            (y, dy, dx, n))

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

// erf(x) = sign(x) (1 - erfc|x|) with erfc from the Chebyshev fit of Numerical Recipes (2nd ed.,
// 6.2: fractional error below 1.2e-7 for every z >= 0), branch-free: |erf - erff| < 2e-7.
NN_INLINE float nn_erff(float x) {
    float z = fabsf(x);
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float erfc = t * nn_expf(p - z * z);
    // Below 0.5, 1 - erfc cancels: use erf's Maclaurin series, 2/sqrt(pi) sum (-1)^k z^(2k+1) / (k! (2k+1)),
    // whose first omitted term is below 2e-8 there. Both are computed and one selected (a blend).
    float z2 = z * z;
    float q = -1.0f / 1320.0f;
    q = q * z2 + 1.0f / 216.0f;
    q = q * z2 - 1.0f / 42.0f;
    q = q * z2 + 1.0f / 10.0f;
    q = q * z2 - 1.0f / 3.0f;
    q = q * z2 + 1.0f;
    float small = 1.1283791670955126f * z * q;
    return copysignf(z < 0.5f ? small : 1.0f - erfc, x);
}

NN_INLINE void nn_erf_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = nn_erff(x[i]);
}
NN_DISPATCH(nn_erf_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// GELU, erf form: x Phi(x), Phi(x) = 0.5 (1 + erf(x / sqrt 2)).
NN_INLINE void nn_gelu_erf_fwd_impl(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + nn_erff(x[i] * 0.7071067811865476f));
}
NN_DISPATCH(nn_gelu_erf_fwd, (const float *restrict x, float *restrict y, int64_t n), (x, y, n))

// d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi)
NN_INLINE void nn_gelu_erf_bwd_impl(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1.0f + nn_erff(v * 0.7071067811865476f));
        float pdf = 0.3989422804014327f * nn_expf(-0.5f * v * v);
        dx[i] = dy[i] * (cdf + v * pdf);
    }
}
NN_DISPATCH(nn_gelu_erf_bwd, (const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n),
            (x, dy, dx, n))

// GEGLU (Shazeer 2020), fused: each row of x is [hidden | gate], `inner` wide each; y = hidden *
// gelu(gate). Saves the chunk copies, the gelu output and the product's pass over memory.
// x [rows, 2 * inner], y [rows, inner]; rows [begin, end).
NN_INLINE void nn_geglu_fwd_impl(const float *restrict x, float *restrict y, int64_t begin, int64_t end, int64_t inner) {
    for (int64_t r = begin; r < end; r++) {
        const float *restrict h = x + r * 2 * inner, *restrict g = h + inner;
        float *restrict o = y + r * inner;
        for (int64_t i = 0; i < inner; i++) o[i] = h[i] * 0.5f * g[i] * (1.0f + nn_erff(g[i] * 0.7071067811865476f));
    }
}
NN_DISPATCH(nn_geglu_fwd, (const float *restrict x, float *restrict y, int64_t begin, int64_t end, int64_t inner),
            (x, y, begin, end, inner))

// dhidden = dy gelu(gate); dgate = dy hidden (Phi(gate) + gate phi(gate)).
// x [rows, 2 * inner], dy [rows, inner], dx [rows, 2 * inner].
NN_INLINE void nn_geglu_bwd_impl(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t begin,
                                 int64_t end, int64_t inner) {
    for (int64_t r = begin; r < end; r++) {
        const float *restrict h = x + r * 2 * inner, *restrict g = h + inner, *restrict d = dy + r * inner;
        float *restrict dh = dx + r * 2 * inner, *restrict dg = dh + inner;
        for (int64_t i = 0; i < inner; i++) {
            float v = g[i];
            float cdf = 0.5f * (1.0f + nn_erff(v * 0.7071067811865476f));
            float pdf = 0.3989422804014327f * nn_expf(-0.5f * v * v);
            dh[i] = d[i] * v * cdf;
            dg[i] = d[i] * h[i] * (cdf + v * pdf);
        }
    }
}
NN_DISPATCH(nn_geglu_bwd,
            (const float *restrict x, const float *restrict dy, float *restrict dx, int64_t begin, int64_t end, int64_t inner),
            (x, dy, dx, begin, end, inner))

// log(1 + e) for e in [0, 1], vectorisable: log(1 + e) = 2 atanh(s) with s = e / (2 + e) in [0, 1/3],
// and atanh's odd series 2 s (1 + s^2/3 + s^4/5 + ... + s^14/15), whose first omitted term (s^16/17) is
// below 2e-9 of the sum at s = 1/3. One division and eight multiply-adds; relative error about 2 ulp.
// s^2 is taken no smaller than 1e-30 (the series is 1 there either way): below FLT_MIN it would be
// subnormal, and subnormal arithmetic costs about ten times as much here (measured on Zen 4).
NN_INLINE float nn_log1p_unit(float e) {
    float s = e / (2.0f + e), z = fmaxf(s, 1e-15f) * fmaxf(s, 1e-15f);
    float p = 1.0f / 15.0f;
    p = p * z + 1.0f / 13.0f;
    p = p * z + 1.0f / 11.0f;
    p = p * z + 1.0f / 9.0f;
    p = p * z + 1.0f / 7.0f;
    p = p * z + 1.0f / 5.0f;
    p = p * z + 1.0f / 3.0f;
    p = p * z + 1.0f;
    return 2.0f * s * p;
}

// softplus(x) = log(1 + exp(beta x)) / beta = max(x, 0) + log1p(exp(-beta |x|)) / beta, and x itself
// where beta x > threshold (as torch.nn.functional.softplus).
// inverseBeta = 1 / beta (a multiply instead of a division per value). |beta x| is capped at 60 so that
// no subnormal value arises (see nn_log1p_unit): beyond it the log term is below 1e-26 / beta and stays
// there instead of falling further, an absolute difference under 1e-26 / beta.
NN_INLINE float nn_softplusf(float x, float beta, float inverseBeta, float threshold) {
    float z = beta * x;
    float soft = fmaxf(x, 0.0f) + nn_log1p_unit(nn_expf(-fminf(fabsf(z), 60.0f))) * inverseBeta;
    return z > threshold ? x : soft;
}
NN_INLINE void nn_softplus_fwd_impl(const float *restrict x, float *restrict y, int64_t n, float beta, float threshold) {
    float inverseBeta = 1.0f / beta;
    for (int64_t i = 0; i < n; i++) y[i] = nn_softplusf(x[i], beta, inverseBeta, threshold);
}
NN_DISPATCH(nn_softplus_fwd, (const float *restrict x, float *restrict y, int64_t n, float beta, float threshold),
            (x, y, n, beta, threshold))

// d softplus = sigmoid(beta x) (1 where beta x > threshold).
NN_INLINE void nn_softplus_bwd_impl(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n, float beta,
                                    float threshold) {
    for (int64_t i = 0; i < n; i++) {
        float z = beta * x[i];
        dx[i] = z > threshold ? dy[i] : dy[i] * nn_sigmoidf(z);
    }
}
NN_DISPATCH(nn_softplus_bwd, (const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n, float beta,
                              float threshold), (x, dy, dx, n, beta, threshold))

// A row MLP layer's epilogue, in place on y [rows, cols] (row stride cols): y += bias[c] (bias may be
// NULL) + term[termIndex[r], c] (term [*, cols], may be NULL); tap [rows, cols] (may be NULL) keeps
// that pre-activation; then the activation act: 0 none, 1 relu, 2 softplus(beta, threshold) as
// nn_softplus_fwd. One pass while the GEMM's output block is still in cache.
NN_INLINE void nn_bias_act_rows_impl(float *y, int64_t rows, int64_t cols, const float *bias, const float *term,
                                     const int32_t *termIndex, float *tap, int act, float beta, float threshold) {
    float inverseBeta = 1.0f / beta;
    for (int64_t r = 0; r < rows; r++) {
        float *restrict row = y + r * cols;
        const float *restrict add = term ? term + (int64_t)termIndex[r] * cols : NULL;
        if (bias) for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
        if (add) for (int64_t c = 0; c < cols; c++) row[c] += add[c];
        if (tap) {
            float *restrict keep = tap + r * cols;
            for (int64_t c = 0; c < cols; c++) keep[c] = row[c];
        }
        if (act == 1) {
            for (int64_t c = 0; c < cols; c++) row[c] = row[c] < 0.0f ? 0.0f : row[c];
        } else if (act == 2) {
            for (int64_t c = 0; c < cols; c++) row[c] = nn_softplusf(row[c], beta, inverseBeta, threshold);
        }
    }
}
NN_DISPATCH(nn_bias_act_rows, (float *y, int64_t rows, int64_t cols, const float *bias, const float *term,
                               const int32_t *termIndex, float *tap, int act, float beta, float threshold),
            (y, rows, cols, bias, term, termIndex, tap, act, beta, threshold))
