// Internal: run-time ISA dispatch. A kernel body is written once as an always-inline function;
// NN_DISPATCH compiles it three times (AVX-512, AVX2+FMA, baseline) and exports a dispatcher.
#ifndef NN_ISA_H
#define NN_ISA_H
#include "shaders_cpu.h"
#include <math.h>
#include <string.h>

#define NN_INLINE static inline __attribute__((always_inline))
#if defined(__x86_64__) || defined(__i386__)
#define NN_X86 1
#define NN_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c")))
#define NN_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#else
#define NN_X86 0
#define NN_TARGET_AVX512
#define NN_TARGET_AVX2
#endif

#define NN_DISPATCH(name, params, args)                                       \
    NN_TARGET_AVX512 static void name##_avx512 params { name##_impl args; }   \
    NN_TARGET_AVX2 static void name##_avx2 params { name##_impl args; }       \
    static void name##_portable params { name##_impl args; }                  \
    void name params {                                                        \
        switch (nn_isa_level()) {                                             \
        case 2: name##_avx512 args; return;                                   \
        case 1: name##_avx2 args; return;                                     \
        default: name##_portable args; return;                                \
        }                                                                     \
    }

// exp(x) for float, vectorisable (no branches, no libm): Cody-Waite reduction x = n ln2 + r,
// |r| <= ln2/2, degree-6 minimax polynomial (Cephes expf coefficients), 2^n by exponent bits.
// Relative error about 2 ulp over [-87.3, 88.7]; inputs are clamped to that range.
NN_INLINE float nn_expf(float x) {
    x = fminf(fmaxf(x, -87.33654f), 88.72283f);
    // Round to nearest by the 1.5 * 2^23 trick: vectorises on every ISA (no floorf call).
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

// Reductions without -ffast-math: 64 independent lane accumulators (four AVX-512 registers, so
// four add chains in flight) break the serial add chain; lanes are flushed into a double every block
// of NN_RED_BLOCK elements so long reductions keep float32-parity accuracy.
#define NN_LANES 64
#define NN_RED_BLOCK 4096

// Defines NAME(params) = sum over i < n of TERM (an expression in i), lane- and block-wise.
#define NN_BLOCKED_SUM(NAME, PARAMS, TERM)                                      \
    NN_INLINE double NAME PARAMS {                                              \
        double total = 0.0;                                                     \
        for (int64_t blk_ = 0; blk_ < n; blk_ += NN_RED_BLOCK) {                         \
            int64_t end_ = blk_ + NN_RED_BLOCK < n ? blk_ + NN_RED_BLOCK : n;            \
            float lanes[NN_LANES] = {0};                                        \
            int64_t i0 = blk_;                                                     \
            for (; i0 + NN_LANES <= end_; i0 += NN_LANES)                          \
                for (int l = 0; l < NN_LANES; l++) {                            \
                    int64_t i = i0 + l;                                         \
                    lanes[l] += (TERM);                                         \
                }                                                               \
            float tail = 0.0f;                                                  \
            for (int64_t i = i0; i < end_; i++) tail += (TERM);                    \
            double block = tail;                                                \
            for (int l = 0; l < NN_LANES; l++) block += lanes[l];               \
            total += block;                                                     \
        }                                                                       \
        return total;                                                           \
    }

NN_BLOCKED_SUM(nn_sum, (const float *restrict v, int64_t n), v[i])
// Sum of (v - c)^2.
NN_BLOCKED_SUM(nn_sum_sq_dev, (const float *restrict v, int64_t n, float c), (v[i] - c) * (v[i] - c))
NN_BLOCKED_SUM(nn_dot, (const float *restrict a, const float *restrict b, int64_t n), a[i] * b[i])

// One pass over v for sum(v - c) and sum((v - c)^2) (shifted moments: with c a sample of v the
// variance E[(v-c)^2] - E[v-c]^2 does not cancel catastrophically when |mean| >> std).
NN_INLINE void nn_shifted_moments(const float *restrict v, int64_t n, float c, double *s1, double *s2) {
    double t1 = 0.0, t2 = 0.0;
    for (int64_t blk_ = 0; blk_ < n; blk_ += NN_RED_BLOCK) {
        int64_t end_ = blk_ + NN_RED_BLOCK < n ? blk_ + NN_RED_BLOCK : n;
        float l1[NN_LANES] = {0}, l2[NN_LANES] = {0};
        int64_t i0 = blk_;
        for (; i0 + NN_LANES <= end_; i0 += NN_LANES)
            for (int l = 0; l < NN_LANES; l++) {
                float d = v[i0 + l] - c;
                l1[l] += d;
                l2[l] += d * d;
            }
        double b1 = 0.0, b2 = 0.0;
        for (int64_t i = i0; i < end_; i++) {
            double d = v[i] - c;
            b1 += d;
            b2 += d * d;
        }
        for (int l = 0; l < NN_LANES; l++) {
            b1 += l1[l];
            b2 += l2[l];
        }
        t1 += b1;
        t2 += b2;
    }
    *s1 = t1;
    *s2 = t2;
}

NN_INLINE float nn_max(const float *restrict v, int64_t n) {
    float lanes[NN_LANES];
    for (int l = 0; l < NN_LANES; l++) lanes[l] = -INFINITY;
    int64_t i = 0;
    for (; i + NN_LANES <= n; i += NN_LANES)
        for (int l = 0; l < NN_LANES; l++) lanes[l] = lanes[l] > v[i + l] ? lanes[l] : v[i + l];
    float m = -INFINITY;
    for (; i < n; i++) m = m > v[i] ? m : v[i];
    for (int l = 0; l < NN_LANES; l++) m = m > lanes[l] ? m : lanes[l];
    return m;
}
#endif

