// 3D Gaussians -> screen-space ellipses (EWA splatting, Zwicker et al. 2001, as 3DGS uses it),
// forward and backward side by side. Pure functions over Gaussians [begin, end); scalar per
// Gaussian (the work is small next to rasterisation).
#include "nn_isa.h"

// Rotation of a quaternion (w, x, y, z), normalised here. r row-major 3x3.
NN_INLINE void gs_quat_to_rot(const float *q, float *r, float *qn) {
    float n = sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    float inv = n > 0 ? 1.0f / n : 0.0f;
    float w = q[0] * inv, x = q[1] * inv, y = q[2] * inv, z = q[3] * inv;
    qn[0] = w; qn[1] = x; qn[2] = y; qn[3] = z;
    r[0] = 1 - 2 * (y * y + z * z); r[1] = 2 * (x * y - w * z);     r[2] = 2 * (x * z + w * y);
    r[3] = 2 * (x * y + w * z);     r[4] = 1 - 2 * (x * x + z * z); r[5] = 2 * (y * z - w * x);
    r[6] = 2 * (x * z - w * y);     r[7] = 2 * (y * z + w * x);     r[8] = 1 - 2 * (x * x + y * y);
}

// c = a b (3x3), optionally with b transposed.
NN_INLINE void gs_mat3_mul(const float *a, const float *b, float *c, int transpose_b) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float s = 0;
            for (int k = 0; k < 3; k++) s += a[i * 3 + k] * (transpose_b ? b[j * 3 + k] : b[k * 3 + j]);
            c[i * 3 + j] = s;
        }
}

// c = a^T b (3x3).
NN_INLINE void gs_mat3_mul_at(const float *a, const float *b, float *c) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float s = 0;
            for (int k = 0; k < 3; k++) s += a[k * 3 + i] * b[k * 3 + j];
            c[i * 3 + j] = s;
        }
}

// World covariance of Gaussian i: M = R(q) diag(exp(log_scale)), Sigma = M M^T.
NN_INLINE void gs_covariance(const float *log_scale, const float *quat, float *sigma, float *m, float *rq, float *qn, float *s) {
    gs_quat_to_rot(quat, rq, qn);
    for (int j = 0; j < 3; j++) s[j] = expf(log_scale[j]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) m[i * 3 + j] = rq[i * 3 + j] * s[j];
    gs_mat3_mul(m, m, sigma, 1);
}

// The camera-space Jacobian of the perspective projection at p (camera coordinates), with the
// tangent clamped to 1.3x the half field of view as 3DGS does; j row-major 2x3. Returns the clamp
// flags and the clamped tangents through tx, ty (in units of z).
NN_INLINE void gs_jacobian(const float *p, const gs_camera *cam, float *j, float *tx, float *ty, int *clamp_x, int *clamp_y) {
    float lim_x = 1.3f * 0.5f * cam->width / cam->fx, lim_y = 1.3f * 0.5f * cam->height / cam->fy;
    float z = p[2], txz = p[0] / z, tyz = p[1] / z;
    *clamp_x = txz < -lim_x ? -1 : (txz > lim_x ? 1 : 0);
    *clamp_y = tyz < -lim_y ? -1 : (tyz > lim_y ? 1 : 0);
    *tx = (*clamp_x ? *clamp_x * lim_x : txz) * z;
    *ty = (*clamp_y ? *clamp_y * lim_y : tyz) * z;
    j[0] = cam->fx / z; j[1] = 0; j[2] = -cam->fx * *tx / (z * z);
    j[3] = 0; j[4] = cam->fy / z; j[5] = -cam->fy * *ty / (z * z);
}

// cov2d = J Sigma_c J^T with Sigma_c = R Sigma R^T; out (a, b, c) before dilation.
NN_INLINE void gs_cov2d(const float *j, const float *sigma_c, float *abc) {
    float t[6];  // J Sigma_c, 2x3
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) t[r * 3 + c] = j[r * 3] * sigma_c[c] + j[r * 3 + 1] * sigma_c[3 + c] + j[r * 3 + 2] * sigma_c[6 + c];
    abc[0] = t[0] * j[0] + t[1] * j[1] + t[2] * j[2];
    abc[1] = t[0] * j[3] + t[1] * j[4] + t[2] * j[5];
    abc[2] = t[3] * j[3] + t[4] * j[4] + t[5] * j[5];
}

// Forward. means [N,3], log_scales [N,3], quats [N,4], opacity_logits [N] ->
// means2d [N,2], conics [N,3] (inverse 2D covariance a, b, c), depths [N], radii [N,2] (pixels, 0 =
// culled), opacities [N] (sigmoid, times the antialiasing compensation when enabled).
NN_INLINE void gs_project_fwd_impl(const float *restrict means, const float *restrict log_scales, const float *restrict quats,
                    const float *restrict opacity_logits, const gs_camera *cam, int64_t begin, int64_t end,
                    float *restrict means2d, float *restrict conics, float *restrict depths, int32_t *restrict radii,
                    float *restrict opacities) {
    for (int64_t i = begin; i < end; i++) {
        radii[2 * i] = radii[2 * i + 1] = 0;
        means2d[2 * i] = means2d[2 * i + 1] = 0;
        conics[3 * i] = conics[3 * i + 1] = conics[3 * i + 2] = 0;
        depths[i] = 0;
        opacities[i] = 0;
        const float *x = means + 3 * i;
        float p[3];
        for (int r = 0; r < 3; r++) p[r] = cam->rotation[r * 3] * x[0] + cam->rotation[r * 3 + 1] * x[1] + cam->rotation[r * 3 + 2] * x[2] + cam->translation[r];
        if (!(p[2] > cam->near_plane) || p[2] > cam->far_plane) continue;
        float sigma[9], m[9], rq[9], qn[4], s[3], tmp[9], sigma_c[9], j[6], tx, ty, abc[3];
        int clamp_x, clamp_y;
        gs_covariance(log_scales + 3 * i, quats + 4 * i, sigma, m, rq, qn, s);
        gs_mat3_mul(cam->rotation, sigma, tmp, 0);
        gs_mat3_mul(tmp, cam->rotation, sigma_c, 1);
        gs_jacobian(p, cam, j, &tx, &ty, &clamp_x, &clamp_y);
        gs_cov2d(j, sigma_c, abc);
        float a = abc[0] + cam->eps2d, b = abc[1], c = abc[2] + cam->eps2d;
        float det = a * c - b * b;
        if (!(det > 0)) continue;
        float o = 1.0f / (1.0f + expf(-opacity_logits[i]));
        if (cam->antialiased) {
            float det0 = abc[0] * abc[2] - b * b;
            o *= sqrtf(fmaxf(0.0f, det0 / det));
        }
        if (!(o > cam->alpha_min)) continue;
        // Beyond this many standard deviations alpha falls under alpha_min (with 1/255 and o <= 1 it
        // is at most sqrt(2 ln 255) = 3.33, 3DGS's fixed cut).
        float extent = sqrtf(2.0f * logf(o / cam->alpha_min));
        float rx = ceilf(extent * sqrtf(a)), ry = ceilf(extent * sqrtf(c));
        float u = cam->fx * p[0] / p[2] + cam->cx, v = cam->fy * p[1] / p[2] + cam->cy;
        if (u + rx <= 0 || u - rx >= cam->width || v + ry <= 0 || v - ry >= cam->height) continue;
        means2d[2 * i] = u; means2d[2 * i + 1] = v;
        conics[3 * i] = c / det; conics[3 * i + 1] = -b / det; conics[3 * i + 2] = a / det;
        depths[i] = p[2];
        radii[2 * i] = (int32_t)rx; radii[2 * i + 1] = (int32_t)ry;
        opacities[i] = o;
    }
}
NN_DISPATCH(gs_project_fwd,
            (const float *restrict means, const float *restrict log_scales, const float *restrict quats,
             const float *restrict opacity_logits, const gs_camera *cam, int64_t begin, int64_t end,
             float *restrict means2d, float *restrict conics, float *restrict depths, int32_t *restrict radii,
             float *restrict opacities),
            (means, log_scales, quats, opacity_logits, cam, begin, end, means2d, conics, depths, radii, opacities))

// Backward: gradients of means2d, conics, depths and opacities (culled Gaussians are skipped) ->
// d_means [N,3], d_log_scales [N,3], d_quats [N,4], d_opacity_logits [N] (overwritten).
NN_INLINE void gs_project_bwd_impl(const float *restrict means, const float *restrict log_scales, const float *restrict quats,
                    const float *restrict opacity_logits, const gs_camera *cam, int64_t begin, int64_t end,
                    const int32_t *restrict radii, const float *restrict d_means2d, const float *restrict d_conics,
                    const float *restrict d_depths, const float *restrict d_opacities, float *restrict d_means,
                    float *restrict d_log_scales, float *restrict d_quats, float *restrict d_opacity_logits) {
    for (int64_t i = begin; i < end; i++) {
        for (int k = 0; k < 3; k++) d_means[3 * i + k] = d_log_scales[3 * i + k] = 0;
        for (int k = 0; k < 4; k++) d_quats[4 * i + k] = 0;
        d_opacity_logits[i] = 0;
        if (radii[2 * i] <= 0 && radii[2 * i + 1] <= 0) continue;
        const float *x = means + 3 * i;
        const float *R = cam->rotation;
        float p[3];
        for (int r = 0; r < 3; r++) p[r] = R[r * 3] * x[0] + R[r * 3 + 1] * x[1] + R[r * 3 + 2] * x[2] + cam->translation[r];
        float sigma[9], m[9], rq[9], qn[4], s[3], tmp[9], sigma_c[9], j[6], tx, ty, abc[3];
        int clamp_x, clamp_y;
        gs_covariance(log_scales + 3 * i, quats + 4 * i, sigma, m, rq, qn, s);
        gs_mat3_mul(R, sigma, tmp, 0);
        gs_mat3_mul(tmp, R, sigma_c, 1);
        gs_jacobian(p, cam, j, &tx, &ty, &clamp_x, &clamp_y);
        gs_cov2d(j, sigma_c, abc);
        float a = abc[0] + cam->eps2d, b = abc[1], c = abc[2] + cam->eps2d;
        float det = a * c - b * b;
        float sig = 1.0f / (1.0f + expf(-opacity_logits[i]));

        // Opacity: o = sigmoid(l) * comp.
        float da0 = 0, db = 0, dc0 = 0;  // d/d (a0, b, c0), the undilated 2D covariance
        float comp = 1.0f;
        if (cam->antialiased) {
            float det0 = abc[0] * abc[2] - b * b;
            comp = sqrtf(fmaxf(0.0f, det0 / det));
            if (det0 > 0) {
                // d comp = comp / 2 (d log det0 - d log det)
                float g = d_opacities[i] * sig * comp * 0.5f;
                da0 += g * (abc[2] / det0 - c / det);
                dc0 += g * (abc[0] / det0 - a / det);
                db += g * (-2.0f * b / det0 + 2.0f * b / det);
            }
        }
        d_opacity_logits[i] = d_opacities[i] * comp * sig * (1.0f - sig);

        // Conic = inverse of [[a, b], [b, c]]: dSigma' = -Inv G Inv, G the symmetric gradient matrix
        // (the off-diagonal conic entry is one variable used twice: half its gradient each).
        float inv[4] = {c / det, -b / det, -b / det, a / det};
        float G[4] = {d_conics[3 * i], 0.5f * d_conics[3 * i + 1], 0.5f * d_conics[3 * i + 1], d_conics[3 * i + 2]};
        float t2[4], dS[4];
        for (int r = 0; r < 2; r++)
            for (int q = 0; q < 2; q++) t2[r * 2 + q] = inv[r * 2] * G[q] + inv[r * 2 + 1] * G[2 + q];
        for (int r = 0; r < 2; r++)
            for (int q = 0; q < 2; q++) dS[r * 2 + q] = -(t2[r * 2] * inv[q] + t2[r * 2 + 1] * inv[2 + q]);
        // As the symmetric gradient of cov2d (matrix form: off-diagonals carry half of b's gradient).
        float GC[4] = {dS[0] + da0, dS[1] + 0.5f * db, dS[2] + 0.5f * db, dS[3] + dc0};

        // cov2d = J Sigma_c J^T: dSigma_c = J^T GC J; dJ = 2 GC J Sigma_c.
        float gj[6], dsc[9], dj[6];
        for (int r = 0; r < 2; r++)
            for (int q = 0; q < 3; q++) gj[r * 3 + q] = GC[r * 2] * j[q] + GC[r * 2 + 1] * j[3 + q];
        for (int r = 0; r < 3; r++)
            for (int q = 0; q < 3; q++) dsc[r * 3 + q] = j[r] * gj[q] + j[3 + r] * gj[3 + q];
        for (int r = 0; r < 2; r++)
            for (int q = 0; q < 3; q++)
                dj[r * 3 + q] = 2.0f * (gj[r * 3] * sigma_c[q] + gj[r * 3 + 1] * sigma_c[3 + q] + gj[r * 3 + 2] * sigma_c[6 + q]);

        // J(p): the camera-space point's gradient from J, the mean's projection and the depth.
        float z = p[2], z2 = z * z, z3 = z2 * z;
        float dp[3] = {0, 0, 0};
        float dtx = -cam->fx / z2 * dj[2], dty = -cam->fy / z2 * dj[5];
        dp[2] += -cam->fx / z2 * dj[0] - cam->fy / z2 * dj[4] + 2.0f * cam->fx * tx / z3 * dj[2] + 2.0f * cam->fy * ty / z3 * dj[5];
        if (clamp_x) dp[2] += dtx * clamp_x * 1.3f * 0.5f * cam->width / cam->fx; else dp[0] += dtx;
        if (clamp_y) dp[2] += dty * clamp_y * 1.3f * 0.5f * cam->height / cam->fy; else dp[1] += dty;
        float du = d_means2d[2 * i], dv = d_means2d[2 * i + 1];
        dp[0] += cam->fx / z * du;
        dp[1] += cam->fy / z * dv;
        dp[2] += -cam->fx * p[0] / z2 * du - cam->fy * p[1] / z2 * dv + d_depths[i];
        for (int k = 0; k < 3; k++) d_means[3 * i + k] = R[k] * dp[0] + R[3 + k] * dp[1] + R[6 + k] * dp[2];

        // Sigma_c = R Sigma R^T: dSigma = R^T dSigma_c R.
        float dsigma[9];
        gs_mat3_mul_at(R, dsc, tmp);
        gs_mat3_mul(tmp, R, dsigma, 0);
        // Sigma = M M^T: dM = (dSigma + dSigma^T) M; M = Rq S.
        float dm[9];
        for (int r = 0; r < 3; r++)
            for (int q = 0; q < 3; q++) {
                float acc = 0;
                for (int k = 0; k < 3; k++) acc += (dsigma[r * 3 + k] + dsigma[k * 3 + r]) * m[k * 3 + q];
                dm[r * 3 + q] = acc;
            }
        float G3[9];
        for (int q = 0; q < 3; q++) {
            float ds = 0;
            for (int r = 0; r < 3; r++) { G3[r * 3 + q] = dm[r * 3 + q] * s[q]; ds += dm[r * 3 + q] * rq[r * 3 + q]; }
            d_log_scales[3 * i + q] = ds * s[q];
        }
        // Rq(qn): derivatives of each entry with respect to (w, x, y, z), then through the normalisation.
        float w = qn[0], qx = qn[1], qy = qn[2], qz = qn[3];
        float dqn[4];
        dqn[0] = 2 * (-qz * G3[1] + qy * G3[2] + qz * G3[3] - qx * G3[5] - qy * G3[6] + qx * G3[7]);
        dqn[1] = 2 * (qy * G3[1] + qz * G3[2] + qy * G3[3] - 2 * qx * G3[4] - w * G3[5] + qz * G3[6] + w * G3[7] - 2 * qx * G3[8]);
        dqn[2] = 2 * (-2 * qy * G3[0] + qx * G3[1] + w * G3[2] + qx * G3[3] + qz * G3[5] - w * G3[6] + qz * G3[7] - 2 * qy * G3[8]);
        dqn[3] = 2 * (-2 * qz * G3[0] - w * G3[1] + qx * G3[2] + w * G3[3] - 2 * qz * G3[4] + qy * G3[5] + qx * G3[6] + qy * G3[7]);
        const float *q = quats + 4 * i;
        float norm = sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        float dot = qn[0] * dqn[0] + qn[1] * dqn[1] + qn[2] * dqn[2] + qn[3] * dqn[3];
        for (int k = 0; k < 4; k++) d_quats[4 * i + k] = norm > 0 ? (dqn[k] - qn[k] * dot) / norm : 0;
    }
}
NN_DISPATCH(gs_project_bwd,
            (const float *restrict means, const float *restrict log_scales, const float *restrict quats,
             const float *restrict opacity_logits, const gs_camera *cam, int64_t begin, int64_t end,
             const int32_t *restrict radii, const float *restrict d_means2d, const float *restrict d_conics,
             const float *restrict d_depths, const float *restrict d_opacities, float *restrict d_means,
             float *restrict d_log_scales, float *restrict d_quats, float *restrict d_opacity_logits),
            (means, log_scales, quats, opacity_logits, cam, begin, end, radii, d_means2d, d_conics, d_depths,
             d_opacities, d_means, d_log_scales, d_quats, d_opacity_logits))
