// Winograd convolution F(2x2, 3x3) (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural
// Networks"): a 3x3 stride-1 convolution computed per 2x2 output tile from a 4x4 input patch with
// 16 multiplies instead of 36. With U = G g G^T (weights), V = B^T d B (input patch) and
// Y = A^T [U (.) V] A, the 16 element-wise products summed over channels become 16 GEMMs.
//   G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
//   B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
//   A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
// The three transforms here; the GEMMs go through nn_sgemm. Position p = 4 * row + column of the
// 4x4 transformed tile.
#include "nn_isa.h"

// ut[p][c][o] = (G w[o, c] G^T)[p] for input channels [c0, c1); w: [O, C, 3, 3], ut: [16, C, O]
// (the B operand of M^T = V^T U^T).
void nn_winograd_weight(const float *restrict w, float *restrict ut, int64_t O, int64_t C, int64_t c0, int64_t c1) {
    // o innermost: the 16 output rows ut[p][c][.] are written contiguously.
    for (int64_t c = c0; c < c1; c++)
        for (int64_t o = 0; o < O; o++) {
            const float *g = w + (o * C + c) * 9;
            float t[4][3];  // G g
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            for (int i = 0; i < 4; i++) {  // (G g) G^T
                float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]),
                              t[i][2]};
                for (int j = 0; j < 4; j++) ut[((int64_t)(i * 4 + j) * C + c) * O + o] = u[j];
            }
        }
}

// v[p][c][t] = (B^T d B)[p] for the 4x4 patch d at rows 2 ty - ph .., cols 2 tx - pw .. of
// channel c (zero outside the image); channels [c0, c1); x: [C, H, W], v: [16, C, T].
// B^T d B for one 4x4 patch d, written to v[p * pstride] for p = 0..15.
NN_INLINE void nn_winograd_input_patch(const float d[4][4], float *restrict v, int64_t pstride) {
    float r[4][4];  // B^T d
    for (int j = 0; j < 4; j++) {
        r[0][j] = d[0][j] - d[2][j];
        r[1][j] = d[1][j] + d[2][j];
        r[2][j] = d[2][j] - d[1][j];
        r[3][j] = d[1][j] - d[3][j];
    }
    for (int i = 0; i < 4; i++) {  // (B^T d) B
        v[(i * 4 + 0) * pstride] = r[i][0] - r[i][2];
        v[(i * 4 + 1) * pstride] = r[i][1] + r[i][2];
        v[(i * 4 + 2) * pstride] = r[i][2] - r[i][1];
        v[(i * 4 + 3) * pstride] = r[i][1] - r[i][3];
    }
}

// v[p][c][t] = (B^T d B)[p] for the 4x4 patch d at rows 2 ty - ph .., cols 2 tx - pw .. of
// channel c (zero outside the image); channels [c0, c1); x: [C, H, W], v: [16, C, T].
NN_INLINE void nn_winograd_input_impl(const float *restrict x, float *restrict v, int64_t C, int64_t H, int64_t W,
                                      int64_t ph, int64_t pw, int64_t tilesY, int64_t tilesX, int64_t c0,
                                      int64_t c1) {
    int64_t T = tilesY * tilesX, pstride = C * T;
    for (int64_t c = c0; c < c1; c++) {
        const float *plane = x + c * H * W;
        float *vc = v + c * T;
        for (int64_t ty = 0; ty < tilesY; ty++) {
            int64_t y0 = 2 * ty - ph;
            int rowsInside = y0 >= 0 && y0 + 4 <= H;
            for (int64_t tx = 0; tx < tilesX; tx++) {
                int64_t x0 = 2 * tx - pw;
                float d[4][4];
                if (rowsInside && x0 >= 0 && x0 + 4 <= W) {  // interior: no bounds checks
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++) d[i][j] = plane[(y0 + i) * W + x0 + j];
                } else {
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++) {
                            int64_t yy = y0 + i, xx = x0 + j;
                            d[i][j] = (yy >= 0 && yy < H && xx >= 0 && xx < W) ? plane[yy * W + xx] : 0.0f;
                        }
                }
                nn_winograd_input_patch(d, vc + ty * tilesX + tx, pstride);
            }
        }
    }
}
NN_DISPATCH(nn_winograd_input,
            (const float *restrict x, float *restrict v, int64_t C, int64_t H, int64_t W, int64_t ph, int64_t pw,
             int64_t tilesY, int64_t tilesX, int64_t c0, int64_t c1),
            (x, v, C, H, W, ph, pw, tilesY, tilesX, c0, c1))

// Channels-last output: yl[(2 ty + i) * WO + 2 tx + j, o] = (A^T M A)[i][j] + bias[o] for tiles
// [t0, t1); m: [16, T, O] (M^T per position), yl: [HO * WO, O]; bias may be NULL. The o loop is
// innermost on both sides, so reads and writes are contiguous vectors; nn_transpose then gives
// the [O, HO * WO] layout.
// One 2x2 output tile for channels [0, O): the 16 position values of channel o are at
// mt[p * stride + o]. `full` tiles store all four outputs unconditionally so the o loop vectorises.
NN_INLINE void nn_winograd_output_tile(const float *restrict mt, int64_t stride, const float *restrict bias,
                                       float *restrict y00, float *restrict y01, float *restrict y10,
                                       float *restrict y11, int64_t O, int rows, int cols) {
    if (rows == 2 && cols == 2) {
        for (int64_t o = 0; o < O; o++) {
            float mm[16];
            for (int p = 0; p < 16; p++) mm[p] = mt[p * stride + o];
            float b = bias ? bias[o] : 0.0f;
            float s00 = mm[0] + mm[4] + mm[8], s01 = mm[1] + mm[5] + mm[9];
            float s02 = mm[2] + mm[6] + mm[10], s03 = mm[3] + mm[7] + mm[11];
            float s10 = mm[4] - mm[8] - mm[12], s11 = mm[5] - mm[9] - mm[13];
            float s12 = mm[6] - mm[10] - mm[14], s13 = mm[7] - mm[11] - mm[15];
            y00[o] = s00 + s01 + s02 + b;
            y01[o] = s01 - s02 - s03 + b;
            y10[o] = s10 + s11 + s12 + b;
            y11[o] = s11 - s12 - s13 + b;
        }
        return;
    }
    for (int64_t o = 0; o < O; o++) {
        float mm[16];
        for (int p = 0; p < 16; p++) mm[p] = mt[p * stride + o];
        float b = bias ? bias[o] : 0.0f;
        float s0[4], s1[4];  // A^T M
        for (int j = 0; j < 4; j++) {
            s0[j] = mm[j] + mm[4 + j] + mm[8 + j];
            s1[j] = mm[4 + j] - mm[8 + j] - mm[12 + j];
        }
        y00[o] = s0[0] + s0[1] + s0[2] + b;  // (A^T M) A
        if (cols == 2) y01[o] = s0[1] - s0[2] - s0[3] + b;
        if (rows == 2) {
            y10[o] = s1[0] + s1[1] + s1[2] + b;
            if (cols == 2) y11[o] = s1[1] - s1[2] - s1[3] + b;
        }
    }
}

// Channels-last output: yl[(2 ty + i) * WO + 2 tx + j, o] = (A^T M A)[i][j] + bias[o] for tiles
// [t0, t1); m: [16, T, O] (M^T per position), yl: [HO * WO, O]; bias may be NULL. The o loop is
// innermost on both sides, so reads and writes are contiguous vectors; nn_transpose then gives
// the [O, HO * WO] layout.
NN_INLINE void nn_winograd_output_impl(const float *restrict m, const float *restrict bias, float *restrict yl,
                                       int64_t O, int64_t HO, int64_t WO, int64_t tilesY, int64_t tilesX, int64_t t0,
                                       int64_t t1) {
    int64_t T = tilesY * tilesX;
    for (int64_t t = t0; t < t1; t++) {
        int64_t ty = t / tilesX, tx = t % tilesX;
        int64_t oy = 2 * ty, ox = 2 * tx;
        int rows = HO - oy < 2 ? 1 : 2, cols = WO - ox < 2 ? 1 : 2;
        float *y00 = yl + (oy * WO + ox) * O;
        // Rows or columns past the image alias y00 (their stores are skipped for edge tiles).
        float *y01 = cols == 2 ? y00 + O : y00, *y10 = rows == 2 ? y00 + WO * O : y00;
        float *y11 = rows == 2 && cols == 2 ? y10 + O : y00;
        nn_winograd_output_tile(m + t * O, T * O, bias, y00, y01, y10, y11, O, rows, cols);
    }
}
NN_DISPATCH(nn_winograd_output,
            (const float *restrict m, const float *restrict bias, float *restrict yl, int64_t O, int64_t HO,
             int64_t WO, int64_t tilesY, int64_t tilesX, int64_t t0, int64_t t1),
            (m, bias, yl, O, HO, WO, tilesY, tilesX, t0, t1))

// dst[c, r] = src[r, c] for rows [r0, r1) of src [R, C], in 16 x 16 blocks.
NN_INLINE void nn_transpose_impl(const float *restrict src, float *restrict dst, int64_t R, int64_t C, int64_t r0,
                                 int64_t r1) {
    for (int64_t rb = r0; rb < r1; rb += 16)
        for (int64_t cb = 0; cb < C; cb += 16) {
            int64_t re = rb + 16 < r1 ? rb + 16 : r1, ce = cb + 16 < C ? cb + 16 : C;
            for (int64_t c = cb; c < ce; c++)
                for (int64_t r = rb; r < re; r++) dst[c * R + r] = src[r * C + c];
        }
}
NN_DISPATCH(nn_transpose, (const float *restrict src, float *restrict dst, int64_t R, int64_t C, int64_t r0, int64_t r1),
            (src, dst, R, C, r0, r1))

// ---- weight gradient ------------------------------------------------------------------------
// Y = A^T [U (.) V] A is linear in U = G g G^T, so dL/dU[p] = sum over tiles of V_t[p] dM_t[p]
// with dM_t = A dY_t A^T, and dL/dg = G^T dU G. The sum over tiles is a GEMM per position.

// dm[p][o][t] = (A dY_t A^T)[p] for the 2x2 tile t of dy [O, HO, WO] (zero past the edges),
// channels [o0, o1); dm: [16, O, T].
NN_INLINE void nn_winograd_grad_output_impl(const float *restrict dy, float *restrict dm, int64_t O, int64_t HO,
                                            int64_t WO, int64_t tilesY, int64_t tilesX, int64_t o0, int64_t o1) {
    int64_t T = tilesY * tilesX;
    for (int64_t o = o0; o < o1; o++) {
        const float *plane = dy + o * HO * WO;
        for (int64_t ty = 0; ty < tilesY; ty++)
            for (int64_t tx = 0; tx < tilesX; tx++) {
                int64_t oy = 2 * ty, ox = 2 * tx;
                float g00 = plane[oy * WO + ox];
                float g01 = ox + 1 < WO ? plane[oy * WO + ox + 1] : 0.0f;
                float g10 = oy + 1 < HO ? plane[(oy + 1) * WO + ox] : 0.0f;
                float g11 = oy + 1 < HO && ox + 1 < WO ? plane[(oy + 1) * WO + ox + 1] : 0.0f;
                // A dY: A = [[1, 0], [1, 1], [1, -1], [0, -1]] (4 x 2)
                float r[4][2] = {{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11}, {-g10, -g11}};
                float *d = dm + o * T + ty * tilesX + tx;
                for (int i = 0; i < 4; i++) {  // (A dY) A^T
                    d[(i * 4 + 0) * O * T] = r[i][0];
                    d[(i * 4 + 1) * O * T] = r[i][0] + r[i][1];
                    d[(i * 4 + 2) * O * T] = r[i][0] - r[i][1];
                    d[(i * 4 + 3) * O * T] = -r[i][1];
                }
            }
    }
}
NN_DISPATCH(nn_winograd_grad_output,
            (const float *restrict dy, float *restrict dm, int64_t O, int64_t HO, int64_t WO, int64_t tilesY,
             int64_t tilesX, int64_t o0, int64_t o1),
            (dy, dm, O, HO, WO, tilesY, tilesX, o0, o1))

// dw[o, c, 3, 3] = G^T du[., o, c] G, from du: [16, O, C].
void nn_winograd_grad_weight(const float *du, float *dw, int64_t O, int64_t C) {
    for (int64_t o = 0; o < O; o++)
        for (int64_t c = 0; c < C; c++) {
            float u[4][4];
            for (int p = 0; p < 16; p++) u[p / 4][p % 4] = du[((int64_t)p * O + o) * C + c];
            float t[3][4];  // G^T u, G^T = [[1, 1/2, 1/2, 0], [0, 1/2, -1/2, 0], [0, 1/2, 1/2, 1]]
            for (int j = 0; j < 4; j++) {
                t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
                t[1][j] = 0.5f * (u[1][j] - u[2][j]);
                t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
            }
            float *g = dw + (o * C + c) * 9;
            for (int i = 0; i < 3; i++) {  // (G^T u) G
                g[i * 3 + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
                g[i * 3 + 1] = 0.5f * (t[i][1] - t[i][2]);
                g[i * 3 + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
            }
        }
}
