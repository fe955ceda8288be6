// Orbit's hot CPU kernels. Pure functions over restrict pointers for a [begin, end) range of rows
// or groups: no allocation, no threads inside (Swift splits the work). Every exported function is
// dispatched at run time to an AVX-512, AVX2+FMA or portable variant.
#ifndef SHADERS_CPU_H
#define SHADERS_CPU_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ISA levels: 0 portable, 1 AVX2+FMA, 2 AVX-512 (F, VL, BW, DQ).
int nn_isa_level(void);          // the level in use (detected once; ORBIT_ISA=portable|avx2|avx512 caps it)
int nn_isa_detected(void);       // what the CPU supports
void nn_set_isa_level(int level); // for tests: force a level (clamped to what the CPU supports)

// ---- elementwise activations (nn_activation.c) -------------------------------------------
// x, y, dy, dx: [n]. Backward takes the forward input x (and output y where cheaper).
void nn_exp_fwd(const float *restrict x, float *restrict y, int64_t n);
void nn_relu_fwd(const float *restrict x, float *restrict y, int64_t n);
void nn_relu_bwd(const float *restrict y, const float *restrict dy, float *restrict dx, int64_t n);
void nn_sigmoid_fwd(const float *restrict x, float *restrict y, int64_t n);
void nn_sigmoid_bwd(const float *restrict y, const float *restrict dy, float *restrict dx, int64_t n);
void nn_silu_fwd(const float *restrict x, float *restrict y, int64_t n);
void nn_silu_bwd(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n);
void nn_softplus_fwd(const float *restrict x, float *restrict y, int64_t n, float beta, float threshold);
void nn_softplus_bwd(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n, float beta, float threshold);
void nn_gelu_tanh_fwd(const float *restrict x, float *restrict y, int64_t n);
void nn_gelu_tanh_bwd(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n);
// erf, branch-free (|error| < 2e-7): what GELU's erf form uses.
void nn_erf_fwd(const float *restrict x, float *restrict y, int64_t n);
void nn_gelu_erf_fwd(const float *restrict x, float *restrict y, int64_t n);
// GEGLU fused: x [rows, 2 * inner] = [hidden | gate] -> y [rows, inner] = hidden * gelu(gate); rows [begin, end).
void nn_geglu_fwd(const float *restrict x, float *restrict y, int64_t begin, int64_t end, int64_t inner);
// dy [rows, inner] -> dx [rows, 2 * inner].
void nn_geglu_bwd(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t begin, int64_t end, int64_t inner);
void nn_gelu_erf_bwd(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n);
// A row MLP layer's epilogue in place on y [rows, cols]: + bias[c] (or NULL) + term[termIndex[r], c] (or NULL),
// the pre-activation copied to tap (or NULL), then act: 0 none, 1 relu, 2 softplus(beta, threshold).
void nn_bias_act_rows(float *y, int64_t rows, int64_t cols, const float *bias, const float *term, const int32_t *termIndex,
                      float *tap, int act, float beta, float threshold);

// ---- softmax over the last axis (nn_softmax.c) --------------------------------------------
// x, y: [rows, cols] with row stride ld; lse: [rows] log-sum-exp per row (may be NULL).
void nn_softmax_fwd(const float *restrict x, float *restrict y, float *restrict lse,
                    int64_t rows, int64_t cols, int64_t ld);
// dx = y * (dy - sum(dy * y)); y, dy, dx: [rows, cols] with row stride ld.
void nn_softmax_bwd(const float *restrict y, const float *restrict dy, float *restrict dx,
                    int64_t rows, int64_t cols, int64_t ld);
// y = exp(x - lse[row]) in place: recomputes probabilities from saved log-sum-exp (attention bwd).
void nn_softmax_from_lse(float *restrict x, const float *restrict lse, int64_t rows, int64_t cols, int64_t ld);

// ---- normalisation (nn_norm.c) --------------------------------------------------------------
// Group norm on x: [N, C, S] (S = product of spatial dims), G groups, for the (n, g) pairs
// [begin, end) in n-major order. gamma, beta: [C] (NULL = identity). mean, rstd: [N*G] saved.
void nn_group_norm_fwd(const float *restrict x, const float *restrict gamma, const float *restrict beta,
                       float *restrict y, float *restrict mean, float *restrict rstd,
                       int64_t C, int64_t S, int64_t G, float eps, int64_t begin, int64_t end);
// dx: [N, C, S]; dgamma_part, dbeta_part: [N, C] per-sample partial sums (reduced over N by the caller).
void nn_group_norm_bwd(const float *restrict x, const float *restrict gamma,
                       const float *restrict mean, const float *restrict rstd, const float *restrict dy,
                       float *restrict dx, float *restrict dgamma_part, float *restrict dbeta_part,
                       int64_t C, int64_t S, int64_t G, int64_t begin, int64_t end);
// Layer norm over the last axis: x, y: [rows, D]; mean, rstd: [rows]; rows [begin, end).
void nn_layer_norm_fwd(const float *restrict x, const float *restrict gamma, const float *restrict beta,
                       float *restrict y, float *restrict mean, float *restrict rstd,
                       int64_t D, float eps, int64_t begin, int64_t end);
// dgamma_acc, dbeta_acc: [D], accumulated (+=) over rows [begin, end).
void nn_layer_norm_bwd(const float *restrict x, const float *restrict gamma,
                       const float *restrict mean, const float *restrict rstd, const float *restrict dy,
                       float *restrict dx, float *restrict dgamma_acc, float *restrict dbeta_acc,
                       int64_t D, int64_t begin, int64_t end);

// ---- convolution lowering (nn_im2col.c) ------------------------------------------------------
// x: [C, H, W] -> col: [C*KH*KW, HO*WO]; stride (sh, sw), zero padding (ph, pw).
void nn_im2col(const float *restrict x, float *restrict col, int64_t C, int64_t H, int64_t W,
               int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
               int64_t HO, int64_t WO);
// The adjoint: dx: [C, H, W] += col2im(dcol). dx must be zeroed by the caller.
void nn_col2im(const float *restrict dcol, float *restrict dx, int64_t C, int64_t H, int64_t W,
               int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
               int64_t HO, int64_t WO);

// ---- matrix product (nn_gemm.c) ---------------------------------------------------------------
// Row-major C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C; op transposes when trans != 0.
// beta == 0 never reads C. work: caller-owned scratch of nn_sgemm_workspace_floats() floats.
int64_t nn_sgemm_workspace_floats(void);
void nn_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
              const float *b, int64_t ldb, float beta, float *c, int64_t ldc, float *work);

// B packed once and reused by many products (attention packs K^T and V once per head).
// The layout depends on the ISA level: pack and multiply under the same level.
int64_t nn_sgemm_packed_b_floats(int64_t k, int64_t n);
void nn_sgemm_pack_b(int transB, int64_t k, int64_t n, const float *b, int64_t ldb, float *packed);
void nn_sgemm_prepacked_b(int transA, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                          const float *packed, float beta, float *c, int64_t ldc, float *work);

// Implicit-GEMM convolution (no im2col buffer: B panels are gathered from the image while packing).
typedef struct {
    int64_t C, H, W, KH, KW, sh, sw, ph, pw, HO, WO;
} nn_conv_geometry;
// y[o, q0 .. q0 + nq) = w[o, C*KH*KW] * im2col(x)[:, q0 .. q0 + nq) + beta * y, for one image
// x [C, H, W] and output y [o, HO*WO] (row stride HO*WO). Split rows by offsetting w and y by whole
// rows, columns (output pixels) by q0 / nq.
void nn_conv_gemm_fwd(const nn_conv_geometry *g, const float *w, const float *x, int64_t o, int64_t q0, int64_t nq,
                      float beta, float *y, float *work);
// dw[o, C*KH*KW] = dy[o, HO*WO] * im2col(x)^T + beta * dw, for one image.
void nn_conv_gemm_wgrad(const nn_conv_geometry *g, const float *dy, const float *x, int64_t o, float beta,
                        float *dw, float *work);

// ---- Winograd F(2x2, 3x3) for stride-1 3x3 convolutions (nn_winograd.c) -----------------------
// ut[16, C, O] = G w G^T per position, from w [O, C, 3, 3], for input channels [c0, c1).
void nn_winograd_weight(const float *w, float *ut, int64_t O, int64_t C, int64_t c0, int64_t c1);
// v[16, C, T] = B^T d B for every 2x2 output tile (T = tilesY * tilesX) of x [C, H, W], channels [c0, c1).
void nn_winograd_input(const float *restrict x, float *restrict v, int64_t C, int64_t H, int64_t W, int64_t ph,
                       int64_t pw, int64_t tilesY, int64_t tilesX, int64_t c0, int64_t c1);
// Channels-last yl[HO * WO, O] = A^T M A (+ bias) for tiles [t0, t1), from m[16, T, O].
void nn_winograd_output(const float *restrict m, const float *restrict bias, float *restrict yl, int64_t O, int64_t HO,
                        int64_t WO, int64_t tilesY, int64_t tilesX, int64_t t0, int64_t t1);
// Weight gradient: dm[16, O, T] = A dY A^T per tile of dy [O, HO, WO], channels [o0, o1);
// then dw[O, C, 3, 3] = G^T du G from du[16, O, C] = sum over tiles of dm[p] V[p]^T.
void nn_winograd_grad_output(const float *restrict dy, float *restrict dm, int64_t O, int64_t HO, int64_t WO,
                             int64_t tilesY, int64_t tilesX, int64_t o0, int64_t o1);
void nn_winograd_grad_weight(const float *du, float *dw, int64_t O, int64_t C);
// dst[C, R] = src[R, C]^T for source rows [r0, r1).
void nn_transpose(const float *restrict src, float *restrict dst, int64_t R, int64_t C, int64_t r0, int64_t r1);

// ---- depthwise convolution (nn_depthwise.c) -----------------------------------------------------
// One image: x [C, H, W], w [O, KH, KW] (O = C * mult; output channel o reads input channel o / mult),
// y / dy [O, HO, WO]. Forward over output channels [o0, o1) (bias may be NULL); input gradient over
// input channels [c0, c1) into a zeroed dx; weight gradient accumulated (+=) over [o0, o1).
void nn_depthwise_fwd(const float *restrict x, const float *restrict w, const float *restrict bias, float *restrict y,
                      int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                      int64_t HO, int64_t WO, int64_t mult, int64_t o0, int64_t o1);
void nn_depthwise_bwd_input(const float *restrict dy, const float *restrict w, float *restrict dx, int64_t H, int64_t W,
                            int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO,
                            int64_t WO, int64_t mult, int64_t c0, int64_t c1);
void nn_depthwise_bwd_weight(const float *restrict dy, const float *restrict x, float *restrict dw, int64_t H, int64_t W,
                             int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t HO,
                             int64_t WO, int64_t mult, int64_t o0, int64_t o1);

// ---- process (nn_malloc_policy.c) ---------------------------------------------------------------
// Large blocks from the heap and freed memory kept mapped (glibc; no-op elsewhere).
void nn_retain_freed_memory(void);

// ---- optimiser (nn_adam.c) -------------------------------------------------------------------
// One Adam/AdamW step on [n] parameters. bc1 = 1 - beta1^t, bc2 = 1 - beta2^t.
// decoupled != 0: AdamW (p -= lr * wd * p); else L2 (g += wd * p).
void nn_adam_step(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                  int64_t n, float lr, float beta1, float beta2, float eps, float wd,
                  float bc1, float bc2, int decoupled);
// Rows [begin, end) of [rows, width] parameters, the first `lead` columns of each row at lr_lead and the
// rest at lr_rest (no weight decay).
void nn_adam_step_rows(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, int64_t width,
                       int64_t lead, int64_t begin, int64_t end, float lr_lead, float lr_rest, float beta1, float beta2,
                       float eps, float bc1, float bc2);

// ---- Gaussian splatting (gs_project.c, gs_sh.c, gs_raster.c) ---------------------------------
// A pinhole camera, OpenCV convention (x right, y down, z forward): x_cam = rotation x + translation.
typedef struct {
    float rotation[9];     // world-to-camera, row-major
    float translation[3];
    float fx, fy, cx, cy;  // pixels; pixel centres at integer + 0.5
    int32_t width, height;
    float near_plane, far_plane;
    float eps2d;           // dilation added to the 2D covariance's diagonal (0.3)
    int32_t antialiased;   // Mip-Splatting opacity compensation
    float alpha_min;       // smallest alpha composited (1/255); also sets the extent sqrt(2 ln(opacity / alpha_min))
} gs_camera;

// Projection: means [N,3], log_scales [N,3], quats [N,4] (w first), opacity_logits [N] ->
// means2d [N,2], conics [N,3], depths [N], radii [N,2] (0 = culled), opacities [N].
void gs_project_fwd(const float *restrict means, const float *restrict log_scales, const float *restrict quats,
                    const float *restrict opacity_logits, const gs_camera *cam, int64_t begin, int64_t end,
                    float *restrict means2d, float *restrict conics, float *restrict depths, int32_t *restrict radii,
                    float *restrict opacities);
void gs_project_bwd(const float *restrict means, const float *restrict log_scales, const float *restrict quats,
                    const float *restrict opacity_logits, const gs_camera *cam, int64_t begin, int64_t end,
                    const int32_t *restrict radii, const float *restrict d_means2d, const float *restrict d_conics,
                    const float *restrict d_depths, const float *restrict d_opacities, float *restrict d_means,
                    float *restrict d_log_scales, float *restrict d_quats, float *restrict d_opacity_logits);
// Colour from SH: sh [N,K,3] with `active_degree` bands used, means [N,3], camera centre [3] -> colours [N,3].
void gs_sh_fwd(const float *restrict sh, int32_t coefficients, int32_t active_degree, const float *restrict means,
               const float *restrict centre, int64_t begin, int64_t end, float *restrict colours);
// d_sh overwritten; the view direction's share of the means' gradient is added to d_means.
void gs_sh_bwd(const float *restrict sh, int32_t coefficients, int32_t active_degree, const float *restrict means,
               const float *restrict centre, int64_t begin, int64_t end, const float *restrict d_colours,
               float *restrict d_sh, float *restrict d_means);
// Binning into 16x16 tiles (see gs_raster.c): the visible Gaussians in depth order (returns their
// count; order, scratch [N]), then per chunk of that order the tile counts (added to counts [tiles])
// and the emission into per-tile lists (ids[cursor[t]++]); a Gaussian goes to the tiles of its box
// (radii) that its alpha_min ellipse reaches (splats from gs_pack_splats).
int64_t gs_depth_order(const float *restrict depths, const int32_t *restrict radii, int64_t n, int32_t *restrict order,
                       int32_t *restrict scratch);
void gs_bin_count(const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order,
                  int32_t tiles_x, int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict counts);
void gs_bin_emit(const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order,
                 int32_t tiles_x, int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict cursor,
                 int32_t *restrict ids);
// Floats per packed Gaussian record (gs_pack_splats) and per list entry's gradient record
// (gs_rasterize_bwd -> gs_reduce_instances); shared with the Swift side that allocates them.
#define GS_SPLAT_FLOATS 12
#define GS_INSTANCE_GRADS 10
// splats [N, GS_SPLAT_FLOATS]: what the raster kernels read of each Gaussian in one record (mean,
// conic, opacity, colour, depth, row reach, alpha_min ellipse size R; see gs_raster.c).
void gs_pack_splats(const float *restrict means2d, const float *restrict conics, const float *restrict opacities,
                    const float *restrict colours, const float *restrict depths, float alpha_min, int64_t begin,
                    int64_t end, float *restrict splats);
// Rasterisation per tile, forward and backward (instance_grads [M, GS_INSTANCE_GRADS], then gs_reduce_instances);
// splats from gs_pack_splats; depth_out and d_depth may be NULL (no expected depth, a cheaper kernel).
void gs_rasterize_fwd(const float *restrict splats, const int64_t *restrict ranges,
                      const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x, float alpha_min,
                      const float *restrict background, int64_t begin, int64_t end, float *restrict rgb,
                      float *restrict alpha_out, float *restrict depth_out, float *restrict final_t,
                      int32_t *restrict n_contrib);
void gs_rasterize_bwd(const float *restrict splats, const int64_t *restrict ranges,
                      const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x, float alpha_min,
                      const float *restrict background, const float *restrict final_t, const int32_t *restrict n_contrib,
                      const float *restrict d_rgb, const float *restrict d_alpha, const float *restrict d_depth,
                      int64_t begin, int64_t end, float *restrict instance_grads);
// SSIM with 3DGS's 11x11 Gaussian window (sigma 1.5, zero padding) on planar images [planes, H, W],
// by bands of rows: plane p, rows [r0, r1). Forward: *sum = the band's sum of the SSIM map, each pixel
// weighted by weight [H, W] (NULL: all 1); saved [planes, 5, H, W]; scratch [(3 B + 20) W + W + 10],
// B = r1 - r0. Every band's forward must precede any band's backward (halo rows).
void gs_ssim_fwd(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H, int64_t W,
                 int64_t p, int64_t r0, int64_t r1, float *restrict saved, float *restrict scratch, double *restrict sum_out);
// The band's rows of dx = d(scale * weighted sum of the map) / dx; scratch [(5 B + 40) W + W + 10].
void gs_ssim_bwd(const float *restrict x, const float *restrict y, const float *restrict weight, int64_t H, int64_t W,
                 int64_t p, int64_t r0, int64_t r1, const float *restrict saved, float scale, float *restrict scratch,
                 float *restrict dx);
// Per-entry records summed per Gaussian into the output groups [group_begin, group_end) of (means2d,
// conics, opacities, colours, depths): disjoint groups in parallel.
void gs_reduce_instances(const int32_t *restrict ids, const float *restrict instance_grads, int64_t n,
                         int32_t group_begin, int32_t group_end, float *restrict d_means2d, float *restrict d_conics,
                         float *restrict d_opacities, float *restrict d_colours, float *restrict d_depths);

// ---- pooling (nn_pool.c) --------------------------------------------------------------------
// x [planes, H, W] -> y [planes, HO, WO], square window k, stride s, no padding, planes [begin, end).
// argmax [planes, HO, WO] (flat index in the plane of each window's first maximum) selects max
// pooling; NULL selects average pooling.
// phases: scratch of nn_pool2d_scratch_floats(W, k, s) floats (one input row split by stride phase).
int64_t nn_pool2d_scratch_floats(int64_t W, int64_t k, int64_t s);
void nn_pool2d_fwd(const float *restrict x, float *restrict y, int32_t *restrict argmax, int64_t H, int64_t W,
                   int64_t k, int64_t s, int64_t HO, int64_t WO, int64_t begin, int64_t end, float *restrict phases);
// dx [planes, H, W] (overwritten) from dy [planes, HO, WO].
void nn_pool2d_bwd(const float *restrict dy, const int32_t *restrict argmax, float *restrict dx, int64_t H, int64_t W,
                   int64_t k, int64_t s, int64_t HO, int64_t WO, int64_t begin, int64_t end);

// ---- one LPIPS tap, fused (nn_lpips.c) ------------------------------------------------------
// a, b [C, S] features of one image, w [C] the linear head; pixels [begin, end).
// Forward: norm_a, norm_b [S] channel norms (saved for the backward), term [S] = sum_c w_c (a/(na+eps) - b/(nb+eps))^2.
void nn_lpips_tap_fwd(const float *restrict a, const float *restrict b, const float *restrict w, int64_t C, int64_t S,
                      float eps, float *restrict norm_a, float *restrict norm_b, float *restrict term, int64_t begin,
                      int64_t end);
// Backward for d loss / d term_p = s at every pixel: da, db [C, S] (either may be NULL).
void nn_lpips_tap_bwd(const float *restrict a, const float *restrict b, const float *restrict w,
                      const float *restrict norm_a, const float *restrict norm_b, int64_t C, int64_t S, float eps,
                      float s, float *restrict da, float *restrict db, int64_t begin, int64_t end);

#ifdef __cplusplus
}
#endif
#endif
