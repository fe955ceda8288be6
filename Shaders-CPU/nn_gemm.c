// Single-precision GEMM, row-major: C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C.
// BLIS-style blocking (Van Zee & van de Geijn 2015): B is packed in KC x NC blocks (NR-wide
// micro-panels, L3/L2), A in MC x KC blocks (MR-tall micro-panels, L2), and an MR x NR register
// tile accumulates over KC. One micro-kernel source written in clang vector types compiles to
// AVX-512 (12 x 32 tile, 24 zmm accumulators), AVX2+FMA (6 x 16, 12 ymm) and portable SSE
// (4 x 8). Single-threaded: the caller splits rows or columns across cores.
#include "nn_isa.h"

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
typedef float v4u __attribute__((vector_size(16), aligned(4)));

#define NN_KC 256
#define NN_MC_PANELS 16
#define NN_NC 2048
#define NN_MR_MAX 12

int64_t nn_sgemm_workspace_floats(void) { return (int64_t)NN_MR_MAX * NN_MC_PANELS * NN_KC + (int64_t)NN_KC * NN_NC + 64; }

// Micro-kernel: acc[MR][2 vectors] += ap[k][MR] (x) bp[k][2 VW] over kc, then
// C[mr, nr] = alpha * acc + beta * C (beta == 0 never reads C). ap, bp: packed panels (bp may be
// a caller's pre-packed buffer of any alignment).
#define NN_UKERNEL(NAME, VT, VTU, VW, MR, TARGET)                                                      \
    TARGET static void NAME(int64_t kc, const float *restrict ap, const float *restrict bp,            \
                            float *restrict c, int64_t ldc, float alpha, float beta, int64_t mr,       \
                            int64_t nr) {                                                              \
        VT acc0[MR], acc1[MR];                                                                         \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                              \
            acc0[r] = (VT){0};                                                                         \
            acc1[r] = (VT){0};                                                                         \
        }                                                                                              \
        for (int64_t k = 0; k < kc; k++) {                                                             \
            VT b0 = *(const VTU *)(bp), b1 = *(const VTU *)(bp + VW); /* caller buffers: unaligned */ \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                          \
                acc0[r] += ap[r] * b0;                                                                 \
                acc1[r] += ap[r] * b1;                                                                 \
            }                                                                                          \
            ap += MR;                                                                                  \
            bp += 2 * VW;                                                                              \
        }                                                                                              \
        if (mr == MR && nr == 2 * VW) {                                                                \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                          \
                VTU *c0 = (VTU *)(c + r * ldc), *c1 = (VTU *)(c + r * ldc + VW);                       \
                if (beta == 0.0f) {                                                                    \
                    *c0 = alpha * acc0[r];                                                             \
                    *c1 = alpha * acc1[r];                                                             \
                } else {                                                                               \
                    *c0 = alpha * acc0[r] + beta * *c0;                                                \
                    *c1 = alpha * acc1[r] + beta * *c1;                                                \
                }                                                                                      \
            }                                                                                          \
        } else {                                                                                       \
            float tile[MR][2 * VW] __attribute__((aligned(64)));                                       \
            for (int r = 0; r < MR; r++) {                                                             \
                *(VT *)&tile[r][0] = acc0[r];                                                          \
                *(VT *)&tile[r][VW] = acc1[r];                                                         \
            }                                                                                          \
            for (int64_t r = 0; r < mr; r++)                                                           \
                for (int64_t j = 0; j < nr; j++) {                                                     \
                    float *cij = c + r * ldc + j;                                                      \
                    *cij = beta == 0.0f ? alpha * tile[r][j] : alpha * tile[r][j] + beta * *cij;       \
                }                                                                                      \
        }                                                                                              \
    }

NN_UKERNEL(nn_ukernel_avx512, v16, v16u, 16, 12, NN_TARGET_AVX512)
NN_UKERNEL(nn_ukernel_avx2, v8, v8u, 8, 6, NN_TARGET_AVX2)
NN_UKERNEL(nn_ukernel_portable, v4, v4u, 4, 4, )

typedef void (*nn_ukernel_fn)(int64_t, const float *restrict, const float *restrict, float *restrict, int64_t, float,
                              float, int64_t, int64_t);

// Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of op(A) into MR-tall micro-panels (zero padded).
NN_INLINE void nn_pack_a(int trans, const float *restrict a, int64_t lda, int64_t i0, int64_t mc, int64_t p0,
                         int64_t kc, int MR, float *restrict dst) {
    for (int64_t ip = 0; ip < mc; ip += MR) {
        int64_t rows = mc - ip < MR ? mc - ip : MR;
        if (trans) {  // rows of op(A) are columns of A: read along i
            for (int64_t k = 0; k < kc; k++) {
                const float *s = a + (p0 + k) * lda + i0 + ip;
                for (int64_t r = 0; r < rows; r++) dst[k * MR + r] = s[r];
                for (int64_t r = rows; r < MR; r++) dst[k * MR + r] = 0.0f;
            }
        } else {  // read each row contiguously; the strided writes stay inside the L1-sized panel
            for (int64_t r = 0; r < rows; r++) {
                const float *s = a + (i0 + ip + r) * lda + p0;
                for (int64_t k = 0; k < kc; k++) dst[k * MR + r] = s[k];
            }
            for (int64_t r = rows; r < MR; r++)
                for (int64_t k = 0; k < kc; k++) dst[k * MR + r] = 0.0f;
        }
        dst += kc * MR;
    }
}

// Where B comes from: a dense matrix, or a convolution's im2col matrix that is never stored
// (implicit GEMM): rows (c, ki, kj), columns output pixels (oy, ox).
typedef struct {
    int kind;  // 0 dense op(B); 1 im2col(x) [C*KH*KW, HO*WO]; 2 its transpose [HO*WO, C*KH*KW];
               // 3 already packed by nn_sgemm_pack_b (b points at the packed panels)
    int trans;
    const float *b;
    int64_t ldb;
    const nn_conv_geometry *g;
    const float *x;
    int64_t col0;  // kind 1: first im2col column (output pixel) of this product
} nn_bsource;

// Writes im2col(x)[row, q0 .. q0 + len) to dst[0], dst[stride], ... (zeros where padding).
NN_INLINE void nn_im2col_segment(const float *restrict x, const nn_conv_geometry *g, int64_t row, int64_t q0,
                                 int64_t len, float *restrict dst, int64_t stride) {
    int64_t kj = row % g->KW, ki = (row / g->KW) % g->KH, c = row / (g->KW * g->KH);
    const float *plane = x + c * g->H * g->W;
    int64_t oy = q0 / g->WO, ox = q0 % g->WO;
    int64_t done = 0;
    while (done < len) {
        int64_t run = g->WO - ox < len - done ? g->WO - ox : len - done;
        int64_t iy = oy * g->sh - g->ph + ki;
        float *d = dst + done * stride;
        if (iy < 0 || iy >= g->H) {
            for (int64_t t = 0; t < run; t++) d[t * stride] = 0.0f;
        } else if (g->sw == 1) {
            // ix = ox + t - pw + kj: zeros left of the image, one contiguous run, zeros right.
            const float *srow = plane + iy * g->W - g->pw + kj + ox;
            int64_t lo = g->pw - kj - ox, hi = g->W + g->pw - kj - ox;
            if (lo < 0) lo = 0;
            if (lo > run) lo = run;
            if (hi > run) hi = run;
            if (hi < lo) hi = lo;
            for (int64_t t = 0; t < lo; t++) d[t * stride] = 0.0f;
            if (stride == 1) {
                for (int64_t t = lo; t < hi; t++) d[t] = srow[t];
            } else {
                for (int64_t t = lo; t < hi; t++) d[t * stride] = srow[t];
            }
            for (int64_t t = hi; t < run; t++) d[t * stride] = 0.0f;
        } else {
            const float *srow = plane + iy * g->W;
            for (int64_t t = 0; t < run; t++) {
                int64_t ix = (ox + t) * g->sw - g->pw + kj;
                d[t * stride] = (ix >= 0 && ix < g->W) ? srow[ix] : 0.0f;
            }
        }
        done += run;
        ox = 0;
        oy++;
    }
}

// Packs rows [p0, p0 + kc) x cols [j0, j0 + nc) of op(B) into NR-wide micro-panels (zero padded).
NN_INLINE void nn_pack_b(const nn_bsource *src, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int NR,
                         float *restrict dst) {
    if (src->kind == 1) {  // rows p of im2col, columns j: each row segment is one gather
        for (int64_t jp = 0; jp < nc; jp += NR) {
            int64_t cols = nc - jp < NR ? nc - jp : NR;
            for (int64_t k = 0; k < kc; k++) {
                nn_im2col_segment(src->x, src->g, p0 + k, src->col0 + j0 + jp, cols, dst + k * NR, 1);
                for (int64_t j = cols; j < NR; j++) dst[k * NR + j] = 0.0f;
            }
            dst += kc * NR;
        }
        return;
    }
    if (src->kind == 2) {  // op(B)[k, j] = im2col[j, k]: column j is an im2col row segment
        for (int64_t jp = 0; jp < nc; jp += NR) {
            int64_t cols = nc - jp < NR ? nc - jp : NR;
            for (int64_t j = 0; j < cols; j++) nn_im2col_segment(src->x, src->g, j0 + jp + j, p0, kc, dst + j, NR);
            for (int64_t k = 0; k < kc; k++)
                for (int64_t j = cols; j < NR; j++) dst[k * NR + j] = 0.0f;
            dst += kc * NR;
        }
        return;
    }
    int trans = src->trans;
    const float *restrict b = src->b;
    int64_t ldb = src->ldb;
    for (int64_t jp = 0; jp < nc; jp += NR) {
        int64_t cols = nc - jp < NR ? nc - jp : NR;
        if (trans) {  // columns of op(B) are rows of B: read each contiguously
            for (int64_t j = 0; j < cols; j++) {
                const float *s = b + (j0 + jp + j) * ldb + p0;
                for (int64_t k = 0; k < kc; k++) dst[k * NR + j] = s[k];
            }
            for (int64_t k = 0; k < kc; k++)
                for (int64_t j = cols; j < NR; j++) dst[k * NR + j] = 0.0f;
        } else {
            for (int64_t k = 0; k < kc; k++) {
                float *d = dst + k * NR;
                const float *s = b + (p0 + k) * ldb + j0 + jp;
                for (int64_t j = 0; j < cols; j++) d[j] = s[j];
                for (int64_t j = cols; j < NR; j++) d[j] = 0.0f;
            }
        }
        dst += kc * NR;
    }
}

NN_INLINE void nn_sgemm_driver(int transA, int64_t m, int64_t n, int64_t k, float alpha, const float *restrict a,
                               int64_t lda, const nn_bsource *bsrc, float beta, float *restrict c, int64_t ldc,
                               float *restrict work, int MR, int NR, nn_ukernel_fn kernel) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return;
    }
    int64_t mcMax = (int64_t)MR * NN_MC_PANELS;
    float *apack = (float *)(((uintptr_t)work + 63) & ~(uintptr_t)63);
    float *bpack = apack + NN_MR_MAX * NN_MC_PANELS * NN_KC;
    for (int64_t jc = 0; jc < n; jc += NN_NC) {
        int64_t nc = n - jc < NN_NC ? n - jc : NN_NC;
        for (int64_t pc = 0; pc < k; pc += NN_KC) {
            int64_t kc = k - pc < NN_KC ? k - pc : NN_KC;
            float betaBlock = pc == 0 ? beta : 1.0f;
            // Pre-packed layout: full NC-wide column blocks of k rows each, then KC-row blocks of
            // the (NR-padded) block width.
            int64_t ncp = (nc + NR - 1) / NR * NR;
            const float *bblock = bpack;
            if (bsrc->kind == 3) bblock = bsrc->b + jc * k + pc * ncp;
            else nn_pack_b(bsrc, pc, kc, jc, nc, NR, bpack);
            for (int64_t ic = 0; ic < m; ic += mcMax) {
                int64_t mc = m - ic < mcMax ? m - ic : mcMax;
                nn_pack_a(transA, a, lda, ic, mc, pc, kc, MR, apack);
                // ir outer: the A micro-panel (kc x MR) stays in L1 while B micro-panels stream
                // from L2 (measured 94-95 -> 100-103 GFLOP/s single-thread on 2048^3).
                for (int64_t ir = 0; ir < mc; ir += MR) {
                    int64_t mr = mc - ir < MR ? mc - ir : MR;
                    for (int64_t jr = 0; jr < nc; jr += NR) {
                        int64_t nr = nc - jr < NR ? nc - jr : NR;
                        const float *bp = bblock + (jr / NR) * kc * NR;
                        kernel(kc, apack + (ir / MR) * kc * MR, bp, c + (ic + ir) * ldc + jc + jr, ldc, alpha,
                               betaBlock, mr, nr);
                    }
                }
            }
        }
    }
}

NN_TARGET_AVX512 static void nn_sgemm_avx512(int ta, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                                             int64_t lda, const nn_bsource *b, float beta, float *c, int64_t ldc,
                                             float *work) {
    nn_sgemm_driver(ta, m, n, k, alpha, a, lda, b, beta, c, ldc, work, 12, 32, nn_ukernel_avx512);
}
NN_TARGET_AVX2 static void nn_sgemm_avx2(int ta, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                                         int64_t lda, const nn_bsource *b, float beta, float *c, int64_t ldc,
                                         float *work) {
    nn_sgemm_driver(ta, m, n, k, alpha, a, lda, b, beta, c, ldc, work, 6, 16, nn_ukernel_avx2);
}
static void nn_sgemm_portable(int ta, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                              const nn_bsource *b, float beta, float *c, int64_t ldc, float *work) {
    nn_sgemm_driver(ta, m, n, k, alpha, a, lda, b, beta, c, ldc, work, 4, 8, nn_ukernel_portable);
}

static void nn_sgemm_source(int transA, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                            const nn_bsource *b, float beta, float *c, int64_t ldc, float *work) {
    switch (nn_isa_level()) {
    case 2: nn_sgemm_avx512(transA, m, n, k, alpha, a, lda, b, beta, c, ldc, work); return;
    case 1: nn_sgemm_avx2(transA, m, n, k, alpha, a, lda, b, beta, c, ldc, work); return;
    default: nn_sgemm_portable(transA, m, n, k, alpha, a, lda, b, beta, c, ldc, work); return;
    }
}

void nn_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
              const float *b, int64_t ldb, float beta, float *c, int64_t ldc, float *work) {
    nn_bsource src = {0, transB, b, ldb, 0, 0, 0};
    nn_sgemm_source(transA, m, n, k, alpha, a, lda, &src, beta, c, ldc, work);
}

void nn_conv_gemm_fwd(const nn_conv_geometry *g, const float *w, const float *x, int64_t o, int64_t q0, int64_t nq,
                      float beta, float *y, float *work) {
    nn_bsource src = {1, 0, 0, 0, g, x, q0};
    int64_t k = g->C * g->KH * g->KW;
    nn_sgemm_source(0, o, nq, k, 1.0f, w, k, &src, beta, y + q0, g->HO * g->WO, work);
}

void nn_conv_gemm_wgrad(const nn_conv_geometry *g, const float *dy, const float *x, int64_t o, float beta,
                        float *dw, float *work) {
    nn_bsource src = {2, 0, 0, 0, g, x, 0};
    int64_t ckk = g->C * g->KH * g->KW, hw = g->HO * g->WO;
    nn_sgemm_source(0, o, ckk, hw, 1.0f, dy, hw, &src, beta, dw, ckk, work);
}

// Packs all of op(B) [k, n] in the driver's reading order (see kind 3 above) for the current ISA.
NN_INLINE void nn_pack_b_all(int transB, int64_t k, int64_t n, const float *b, int64_t ldb, float *dst, int NR) {
    nn_bsource src = {0, transB, b, ldb, 0, 0, 0};
    for (int64_t jc = 0; jc < n; jc += NN_NC) {
        int64_t nc = n - jc < NN_NC ? n - jc : NN_NC;
        int64_t ncp = (nc + NR - 1) / NR * NR;
        for (int64_t pc = 0; pc < k; pc += NN_KC) {
            int64_t kc = k - pc < NN_KC ? k - pc : NN_KC;
            nn_pack_b(&src, pc, kc, jc, nc, NR, dst + jc * k + pc * ncp);
        }
    }
}

static int nn_gemm_nr(void) {
    switch (nn_isa_level()) {
    case 2: return 32;
    case 1: return 16;
    default: return 8;
    }
}

int64_t nn_sgemm_packed_b_floats(int64_t k, int64_t n) {
    int64_t nr = nn_gemm_nr();
    return k * ((n + nr - 1) / nr * nr);
}

NN_TARGET_AVX512 static void nn_pack_b_all_avx512(int t, int64_t k, int64_t n, const float *b, int64_t ldb, float *d) {
    nn_pack_b_all(t, k, n, b, ldb, d, 32);
}
NN_TARGET_AVX2 static void nn_pack_b_all_avx2(int t, int64_t k, int64_t n, const float *b, int64_t ldb, float *d) {
    nn_pack_b_all(t, k, n, b, ldb, d, 16);
}
static void nn_pack_b_all_portable(int t, int64_t k, int64_t n, const float *b, int64_t ldb, float *d) {
    nn_pack_b_all(t, k, n, b, ldb, d, 8);
}

void nn_sgemm_pack_b(int transB, int64_t k, int64_t n, const float *b, int64_t ldb, float *packed) {
    switch (nn_isa_level()) {
    case 2: nn_pack_b_all_avx512(transB, k, n, b, ldb, packed); return;
    case 1: nn_pack_b_all_avx2(transB, k, n, b, ldb, packed); return;
    default: nn_pack_b_all_portable(transB, k, n, b, ldb, packed); return;
    }
}

void nn_sgemm_prepacked_b(int transA, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                          const float *packed, float beta, float *c, int64_t ldc, float *work) {
    nn_bsource src = {3, 0, packed, 0, 0, 0, 0};
    nn_sgemm_source(transA, m, n, k, alpha, a, lda, &src, beta, c, ldc, work);
}
