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

// ut[p][c][o] = (G w[o, c] G^T)[p]; w: [O, C, 3, 3], ut: [16, C, O] (B operand of M^T = V^T U^T).
void nn_winograd_weight(const float *restrict w, float *restrict ut, int64_t O, int64_t C) {
    for (int64_t o = 0; o < O; o++)
        for (int64_t c = 0; c < C; c++) {
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
NN_INLINE void nn_winograd_input_impl(const float *restrict x, float *restrict v, int64_t C, int64_t H, int64_t W,
                                      int64_t ph, int64_t pw, int64_t tilesY, int64_t tilesX, int64_t c0,
                                      int64_t c1) {
    int64_t T = tilesY * tilesX;
    for (int64_t c = c0; c < c1; c++) {
        const float *plane = x + c * H * W;
        for (int64_t ty = 0; ty < tilesY; ty++) {
            for (int64_t tx = 0; tx < tilesX; tx++) {
                float d[4][4];
                int64_t y0 = 2 * ty - ph, x0 = 2 * tx - pw;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) {
                        int64_t yy = y0 + i, xx = x0 + j;
                        d[i][j] = (yy >= 0 && yy < H && xx >= 0 && xx < W) ? plane[yy * W + xx] : 0.0f;
                    }
                float r[4][4];  // B^T d
                for (int j = 0; j < 4; j++) {
                    r[0][j] = d[0][j] - d[2][j];
                    r[1][j] = d[1][j] + d[2][j];
                    r[2][j] = d[2][j] - d[1][j];
                    r[3][j] = d[1][j] - d[3][j];
                }
                int64_t t = ty * tilesX + tx;
                for (int i = 0; i < 4; i++) {  // (B^T d) B
                    float e[4] = {r[i][0] - r[i][2], r[i][1] + r[i][2], r[i][2] - r[i][1], r[i][1] - r[i][3]};
                    for (int j = 0; j < 4; j++) v[((int64_t)(i * 4 + j) * C + c) * T + t] = e[j];
                }
            }
        }
    }
}
NN_DISPATCH(nn_winograd_input,
            (const float *restrict x, float *restrict v, int64_t C, int64_t H, int64_t W, int64_t ph, int64_t pw,
             int64_t tilesY, int64_t tilesX, int64_t c0, int64_t c1),
            (x, v, C, H, W, ph, pw, tilesY, tilesX, c0, c1))

// y[o, 2 ty + i, 2 tx + j] = (A^T M A)[i][j] + bias[o] for tiles [t0, t1); m: [16, T, O] (M^T per
// position), y: [O, HO, WO]; bias may be NULL.
NN_INLINE void nn_winograd_output_impl(const float *restrict m, const float *restrict bias, float *restrict y,
                                       int64_t O, int64_t HO, int64_t WO, int64_t tilesY, int64_t tilesX, int64_t t0,
                                       int64_t t1) {
    int64_t T = tilesY * tilesX;
    for (int64_t t = t0; t < t1; t++) {
        int64_t ty = t / tilesX, tx = t % tilesX;
        int64_t oy = 2 * ty, ox = 2 * tx;
        int rows = HO - oy < 2 ? 1 : 2, cols = WO - ox < 2 ? 1 : 2;
        for (int64_t o = 0; o < O; o++) {
            float mm[16];
            for (int p = 0; p < 16; p++) mm[p] = m[((int64_t)p * T + t) * O + o];
            float s[2][4];  // A^T M
            for (int j = 0; j < 4; j++) {
                s[0][j] = mm[j] + mm[4 + j] + mm[8 + j];
                s[1][j] = mm[4 + j] - mm[8 + j] - mm[12 + j];
            }
            float b = bias ? bias[o] : 0.0f;
            float *yo = y + o * HO * WO + oy * WO + ox;
            for (int i = 0; i < rows; i++) {  // (A^T M) A
                yo[i * WO] = s[i][0] + s[i][1] + s[i][2] + b;
                if (cols == 2) yo[i * WO + 1] = s[i][1] - s[i][2] - s[i][3] + b;
            }
        }
    }
}
NN_DISPATCH(nn_winograd_output,
            (const float *restrict m, const float *restrict bias, float *restrict y, int64_t O, int64_t HO,
             int64_t WO, int64_t tilesY, int64_t tilesX, int64_t t0, int64_t t1),
            (m, bias, y, O, HO, WO, tilesY, tilesX, t0, t1))
