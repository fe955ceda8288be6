// View-dependent colour from real spherical harmonics of degree 0-3 (the 3DGS basis and sign
// conventions), forward and backward side by side.
#include "nn_isa.h"

// The (degree + 1)^2 basis values at unit direction (x, y, z).
NN_INLINE int gs_sh_basis(int degree, float x, float y, float z, float *b) {
    b[0] = 0.28209479177387814f;
    if (degree < 1) return 1;
    b[1] = -0.4886025119029199f * y;
    b[2] = 0.4886025119029199f * z;
    b[3] = -0.4886025119029199f * x;
    if (degree < 2) return 4;
    float xx = x * x, yy = y * y, zz = z * z, xy = x * y, yz = y * z, xz = x * z;
    b[4] = 1.0925484305920792f * xy;
    b[5] = -1.0925484305920792f * yz;
    b[6] = 0.31539156525252005f * (2.0f * zz - xx - yy);
    b[7] = -1.0925484305920792f * xz;
    b[8] = 0.5462742152960396f * (xx - yy);
    if (degree < 3) return 9;
    b[9] = -0.5900435899266435f * y * (3.0f * xx - yy);
    b[10] = 2.890611442640554f * xy * z;
    b[11] = -0.4570457994644658f * y * (4.0f * zz - xx - yy);
    b[12] = 0.3731763325901154f * z * (2.0f * zz - 3.0f * xx - 3.0f * yy);
    b[13] = -0.4570457994644658f * x * (4.0f * zz - xx - yy);
    b[14] = 1.445305721320277f * z * (xx - yy);
    b[15] = -0.5900435899266435f * x * (xx - 3.0f * yy);
    return 16;
}

// Derivatives of the basis with respect to the direction: db [K][3].
NN_INLINE void gs_sh_basis_grad(int degree, float x, float y, float z, float db[16][3]) {
    memset(db, 0, sizeof(float) * 16 * 3);
    if (degree < 1) return;
    const float c1 = 0.4886025119029199f;
    db[1][1] = -c1; db[2][2] = c1; db[3][0] = -c1;
    if (degree < 2) return;
    const float k0 = 1.0925484305920792f, k2 = 0.31539156525252005f, k4 = 0.5462742152960396f;
    db[4][0] = k0 * y; db[4][1] = k0 * x;
    db[5][1] = -k0 * z; db[5][2] = -k0 * y;
    db[6][0] = -2 * k2 * x; db[6][1] = -2 * k2 * y; db[6][2] = 4 * k2 * z;
    db[7][0] = -k0 * z; db[7][2] = -k0 * x;
    db[8][0] = 2 * k4 * x; db[8][1] = -2 * k4 * y;
    if (degree < 3) return;
    const float d0 = -0.5900435899266435f, d1 = 2.890611442640554f, d2 = -0.4570457994644658f, d3 = 0.3731763325901154f;
    const float d4 = -0.4570457994644658f, d5 = 1.445305721320277f, d6 = -0.5900435899266435f;
    float xx = x * x, yy = y * y, zz = z * z;
    db[9][0] = 6 * d0 * x * y; db[9][1] = d0 * (3 * xx - 3 * yy);
    db[10][0] = d1 * y * z; db[10][1] = d1 * x * z; db[10][2] = d1 * x * y;
    db[11][0] = -2 * d2 * x * y; db[11][1] = d2 * (4 * zz - xx - 3 * yy); db[11][2] = 8 * d2 * y * z;
    db[12][0] = -6 * d3 * x * z; db[12][1] = -6 * d3 * y * z; db[12][2] = d3 * (6 * zz - 3 * xx - 3 * yy);
    db[13][0] = d4 * (4 * zz - 3 * xx - yy); db[13][1] = -2 * d4 * x * y; db[13][2] = 8 * d4 * x * z;
    db[14][0] = 2 * d5 * x * z; db[14][1] = -2 * d5 * y * z; db[14][2] = d5 * (xx - yy);
    db[15][0] = d6 * (3 * xx - 3 * yy); db[15][1] = -6 * d6 * x * y;
}

// Unit direction from the camera centre to the mean; returns the distance.
NN_INLINE float gs_view_direction(const float *mean, const float *centre, float *d) {
    float x = mean[0] - centre[0], y = mean[1] - centre[1], z = mean[2] - centre[2];
    float n = sqrtf(x * x + y * y + z * z);
    float inv = n > 0 ? 1.0f / n : 0.0f;
    d[0] = x * inv; d[1] = y * inv; d[2] = z * inv;
    return n;
}

// sh [N, K, 3] (K = (degree+1)^2, using the first (active+1)^2 coefficients), means [N,3], camera
// centre [3] -> colours [N,3] = max(0, 0.5 + sum_k basis_k sh_k). Gaussians [begin, end).
NN_INLINE void gs_sh_fwd_impl(const float *restrict sh, int32_t coefficients, int32_t active_degree, const float *restrict means,
               const float *restrict centre, int64_t begin, int64_t end, float *restrict colours) {
    float b[16], d[3];
    for (int64_t i = begin; i < end; i++) {
        gs_view_direction(means + 3 * i, centre, d);
        int k = gs_sh_basis(active_degree, d[0], d[1], d[2], b);
        const float *s = sh + i * coefficients * 3;
        for (int c = 0; c < 3; c++) {
            float v = 0.5f;
            for (int j = 0; j < k; j++) v += b[j] * s[j * 3 + c];
            colours[3 * i + c] = fmaxf(v, 0.0f);
        }
    }
}
NN_DISPATCH(gs_sh_fwd,
            (const float *restrict sh, int32_t coefficients, int32_t active_degree, const float *restrict means,
             const float *restrict centre, int64_t begin, int64_t end, float *restrict colours),
            (sh, coefficients, active_degree, means, centre, begin, end, colours))

// d_colours [N,3] -> d_sh [N,K,3] (overwritten; zero where the colour was clamped and for inactive
// coefficients), and the view direction's share of the means' gradient added to d_means [N,3]:
// d = v / |v| with v = mean - centre, so d mean = (I - d d^T) / |v| d d.
NN_INLINE void gs_sh_bwd_impl(const float *restrict sh, int32_t coefficients, int32_t active_degree, const float *restrict means,
               const float *restrict centre, int64_t begin, int64_t end, const float *restrict d_colours,
               float *restrict d_sh, float *restrict d_means) {
    float b[16], db[16][3], d[3];
    for (int64_t i = begin; i < end; i++) {
        float dist = gs_view_direction(means + 3 * i, centre, d);
        int k = gs_sh_basis(active_degree, d[0], d[1], d[2], b);
        gs_sh_basis_grad(active_degree, d[0], d[1], d[2], db);
        const float *s = sh + i * coefficients * 3;
        float *ds = d_sh + i * coefficients * 3;
        for (int j = 0; j < coefficients * 3; j++) ds[j] = 0;
        float dd[3] = {0, 0, 0};
        for (int c = 0; c < 3; c++) {
            float v = 0.5f;
            for (int j = 0; j < k; j++) v += b[j] * s[j * 3 + c];
            if (v <= 0) continue;
            float g = d_colours[3 * i + c];
            for (int j = 0; j < k; j++) {
                ds[j * 3 + c] = b[j] * g;
                for (int a = 0; a < 3; a++) dd[a] += db[j][a] * s[j * 3 + c] * g;
            }
        }
        if (dist > 0) {
            float dot = d[0] * dd[0] + d[1] * dd[1] + d[2] * dd[2];
            for (int a = 0; a < 3; a++) d_means[3 * i + a] += (dd[a] - d[a] * dot) / dist;
        }
    }
}
NN_DISPATCH(gs_sh_bwd,
            (const float *restrict sh, int32_t coefficients, int32_t active_degree, const float *restrict means,
             const float *restrict centre, int64_t begin, int64_t end, const float *restrict d_colours,
             float *restrict d_sh, float *restrict d_means),
            (sh, coefficients, active_degree, means, centre, begin, end, d_colours, d_sh, d_means))
