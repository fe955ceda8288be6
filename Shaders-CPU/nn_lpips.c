// One LPIPS tap, fused, forward and backward side by side. For features a, b [C, S] of one image
// (S pixels, channels strided by S) and the tap's linear head w [C]:
//   na = ||a_p|| (over channels), ah = a / (na + eps), likewise b;
//   term_p = sum_c w_c (ah_c - bh_c)^2        (the tap's distance is the mean of term over p).
// Backward, with u_c = 2 s w_c (ah_c - bh_c) (s = d loss / d term_p, the same for every pixel):
//   da_c = u_c / (na + eps) - a_c (sum_k u_k a_k) / ((na + eps)^2 na),
//   db_c = -(u_c / (nb + eps) - b_c (sum_k u_k b_k) / ((nb + eps)^2 nb)),
// the second term taken as 0 where na = 0 (a zero feature vector; the composed ops give NaN there).
// Pixels run in blocks of NN_LPIPS_BLOCK, vectorised along the block, channels in the outer loop.
#include "nn_isa.h"

#define NN_LPIPS_BLOCK 64

// a ia - b ib with both products rounded (no fused multiply-add across them), so identical
// features give exactly 0 and LPIPS(x, x) = 0.
NN_INLINE float nn_lpips_difference(float a, float ia, float b, float ib) {
    float ah = a * ia;
    float bh = b * ib;
    return ah - bh;
}

NN_INLINE void nn_lpips_norms(const float *restrict x, int64_t C, int64_t S, int64_t p0, int64_t len,
                              float *restrict norm) {
    for (int64_t i = 0; i < len; i++) norm[i] = 0.0f;
    for (int64_t c = 0; c < C; c++) {
        const float *xc = x + c * S + p0;
        for (int64_t i = 0; i < len; i++) norm[i] += xc[i] * xc[i];
    }
    for (int64_t i = 0; i < len; i++) norm[i] = sqrtf(norm[i]);
}

NN_INLINE void nn_lpips_tap_fwd_impl(const float *restrict a, const float *restrict b, const float *restrict w,
                                     int64_t C, int64_t S, float eps, float *restrict norm_a, float *restrict norm_b,
                                     float *restrict term, int64_t begin, int64_t end) {
    float ia[NN_LPIPS_BLOCK], ib[NN_LPIPS_BLOCK], acc[NN_LPIPS_BLOCK];
    for (int64_t p0 = begin; p0 < end; p0 += NN_LPIPS_BLOCK) {
        int64_t len = end - p0 < NN_LPIPS_BLOCK ? end - p0 : NN_LPIPS_BLOCK;
        nn_lpips_norms(a, C, S, p0, len, norm_a + p0);
        nn_lpips_norms(b, C, S, p0, len, norm_b + p0);
        for (int64_t i = 0; i < len; i++) {
            ia[i] = 1.0f / (norm_a[p0 + i] + eps);
            ib[i] = 1.0f / (norm_b[p0 + i] + eps);
            acc[i] = 0.0f;
        }
        for (int64_t c = 0; c < C; c++) {
            const float *ac = a + c * S + p0, *bc = b + c * S + p0;
            float wc = w[c];
            for (int64_t i = 0; i < len; i++) {
                float d = nn_lpips_difference(ac[i], ia[i], bc[i], ib[i]);
                acc[i] += wc * d * d;
            }
        }
        for (int64_t i = 0; i < len; i++) term[p0 + i] = acc[i];
    }
}
NN_DISPATCH(nn_lpips_tap_fwd,
            (const float *restrict a, const float *restrict b, const float *restrict w, int64_t C, int64_t S, float eps,
             float *restrict norm_a, float *restrict norm_b, float *restrict term, int64_t begin, int64_t end),
            (a, b, w, C, S, eps, norm_a, norm_b, term, begin, end))

NN_INLINE void nn_lpips_tap_bwd_impl(const float *restrict a, const float *restrict b, const float *restrict w,
                                     const float *restrict norm_a, const float *restrict norm_b, int64_t C, int64_t S,
                                     float eps, float s, float *restrict da, float *restrict db, int64_t begin,
                                     int64_t end) {
    float ia[NN_LPIPS_BLOCK], ib[NN_LPIPS_BLOCK], dot_a[NN_LPIPS_BLOCK], dot_b[NN_LPIPS_BLOCK];
    for (int64_t p0 = begin; p0 < end; p0 += NN_LPIPS_BLOCK) {
        int64_t len = end - p0 < NN_LPIPS_BLOCK ? end - p0 : NN_LPIPS_BLOCK;
        for (int64_t i = 0; i < len; i++) {
            ia[i] = 1.0f / (norm_a[p0 + i] + eps);
            ib[i] = 1.0f / (norm_b[p0 + i] + eps);
            dot_a[i] = 0.0f;
            dot_b[i] = 0.0f;
        }
        // Pass 1: sum_k u_k a_k and sum_k u_k b_k per pixel.
        for (int64_t c = 0; c < C; c++) {
            const float *ac = a + c * S + p0, *bc = b + c * S + p0;
            float sw = 2.0f * s * w[c];
            for (int64_t i = 0; i < len; i++) {
                float u = sw * nn_lpips_difference(ac[i], ia[i], bc[i], ib[i]);
                dot_a[i] += u * ac[i];
                dot_b[i] += u * bc[i];
            }
        }
        // The radial coefficients (sum u x) / ((n + eps)^2 n), 0 at a zero vector.
        for (int64_t i = 0; i < len; i++) {
            float na = norm_a[p0 + i], nb = norm_b[p0 + i];
            dot_a[i] = na > 0.0f ? dot_a[i] * ia[i] * ia[i] / na : 0.0f;
            dot_b[i] = nb > 0.0f ? dot_b[i] * ib[i] * ib[i] / nb : 0.0f;
        }
        // Pass 2: the gradients.
        for (int64_t c = 0; c < C; c++) {
            const float *ac = a + c * S + p0, *bc = b + c * S + p0;
            float sw = 2.0f * s * w[c];
            if (da) {
                float *dac = da + c * S + p0;
                for (int64_t i = 0; i < len; i++) {
                    float u = sw * nn_lpips_difference(ac[i], ia[i], bc[i], ib[i]);
                    dac[i] = u * ia[i] - ac[i] * dot_a[i];
                }
            }
            if (db) {
                float *dbc = db + c * S + p0;
                for (int64_t i = 0; i < len; i++) {
                    float u = sw * nn_lpips_difference(ac[i], ia[i], bc[i], ib[i]);
                    dbc[i] = bc[i] * dot_b[i] - u * ib[i];
                }
            }
        }
    }
}
NN_DISPATCH(nn_lpips_tap_bwd,
            (const float *restrict a, const float *restrict b, const float *restrict w, const float *restrict norm_a,
             const float *restrict norm_b, int64_t C, int64_t S, float eps, float s, float *restrict da,
             float *restrict db, int64_t begin, int64_t end),
            (a, b, w, norm_a, norm_b, C, S, eps, s, da, db, begin, end))
