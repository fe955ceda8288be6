// Group norm and layer norm, forward and backward side by side. Statistics: one pass of shifted
// moments accumulated per lane and flushed to double per block, so large groups keep float32
// parity with PyTorch.
// Backward: dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy * gamma.
#include "nn_isa.h"

// Moments of v: [n] -> mean, 1/sqrt(var + eps) (biased variance, as PyTorch normalises).
NN_INLINE void nn_moments(const float *restrict v, int64_t n, float eps, float *mean_out, float *rstd_out) {
    double s1, s2;
    float c = v[0];
    nn_shifted_moments(v, n, c, &s1, &s2);
    double m1 = s1 / (double)n;
    double var = s2 / (double)n - m1 * m1;
    *mean_out = (float)(c + m1);
    *rstd_out = (float)(1.0 / sqrt((var > 0.0 ? var : 0.0) + eps));
}

NN_INLINE void nn_group_norm_fwd_impl(const float *restrict x, const float *restrict gamma, const float *restrict beta,
                                      float *restrict y, float *restrict mean, float *restrict rstd,
                                      int64_t C, int64_t S, int64_t G, float eps, int64_t begin, int64_t end) {
    int64_t Cg = C / G;
    for (int64_t idx = begin; idx < end; idx++) {
        int64_t n = idx / G, g = idx % G;
        const float *xg = x + n * C * S + g * Cg * S;
        float *yg = y + n * C * S + g * Cg * S;
        float mu, rs;
        nn_moments(xg, Cg * S, eps, &mu, &rs);
        mean[idx] = mu;
        rstd[idx] = rs;
        for (int64_t cc = 0; cc < Cg; cc++) {
            int64_t c = g * Cg + cc;
            float a = rs * (gamma ? gamma[c] : 1.0f);
            float b = (beta ? beta[c] : 0.0f) - mu * a;
            const float *xc = xg + cc * S;
            float *yc = yg + cc * S;
            for (int64_t s = 0; s < S; s++) yc[s] = xc[s] * a + b;
        }
    }
}
NN_DISPATCH(nn_group_norm_fwd,
            (const float *restrict x, const float *restrict gamma, const float *restrict beta, float *restrict y,
             float *restrict mean, float *restrict rstd, int64_t C, int64_t S, int64_t G, float eps, int64_t begin,
             int64_t end),
            (x, gamma, beta, y, mean, rstd, C, S, G, eps, begin, end))

NN_INLINE void nn_group_norm_bwd_impl(const float *restrict x, const float *restrict gamma,
                                      const float *restrict mean, const float *restrict rstd, const float *restrict dy,
                                      float *restrict dx, float *restrict dgamma_part, float *restrict dbeta_part,
                                      int64_t C, int64_t S, int64_t G, int64_t begin, int64_t end) {
    int64_t Cg = C / G;
    for (int64_t idx = begin; idx < end; idx++) {
        int64_t n = idx / G, g = idx % G;
        int64_t base = n * C * S + g * Cg * S;
        float mu = mean[idx], rs = rstd[idx];
        double sum_dxhat = 0.0, sum_dxhat_xhat = 0.0;
        for (int64_t cc = 0; cc < Cg; cc++) {
            int64_t c = g * Cg + cc;
            float gm = gamma ? gamma[c] : 1.0f;
            const float *xc = x + base + cc * S, *dyc = dy + base + cc * S;
            // sum(dy * xhat) = rstd * (sum(dy * x) - mean * sum(dy))
            float sdy = (float)nn_sum(dyc, S);
            float sdyx = (float)(rs * (nn_dot(dyc, xc, S) - (double)mu * sdy));
            if (dgamma_part) dgamma_part[n * C + c] = sdyx;
            if (dbeta_part) dbeta_part[n * C + c] = sdy;
            sum_dxhat += (double)gm * sdy;
            sum_dxhat_xhat += (double)gm * sdyx;
        }
        float cnt = (float)(Cg * S);
        float a = (float)(sum_dxhat / cnt), b = (float)(sum_dxhat_xhat / cnt);
        for (int64_t cc = 0; cc < Cg; cc++) {
            int64_t c = g * Cg + cc;
            float gm = gamma ? gamma[c] : 1.0f;
            const float *xc = x + base + cc * S, *dyc = dy + base + cc * S;
            float *dxc = dx + base + cc * S;
            for (int64_t s = 0; s < S; s++) {
                float xhat = (xc[s] - mu) * rs;
                dxc[s] = rs * (dyc[s] * gm - a - xhat * b);
            }
        }
    }
}
NN_DISPATCH(nn_group_norm_bwd,
            (const float *restrict x, const float *restrict gamma, const float *restrict mean,
             const float *restrict rstd, const float *restrict dy, float *restrict dx, float *restrict dgamma_part,
             float *restrict dbeta_part, int64_t C, int64_t S, int64_t G, int64_t begin, int64_t end),
            (x, gamma, mean, rstd, dy, dx, dgamma_part, dbeta_part, C, S, G, begin, end))

NN_INLINE void nn_layer_norm_fwd_impl(const float *restrict x, const float *restrict gamma, const float *restrict beta,
                                      float *restrict y, float *restrict mean, float *restrict rstd,
                                      int64_t D, float eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * D;
        float *yr = y + r * D;
        float mu, rs;
        nn_moments(xr, D, eps, &mu, &rs);
        mean[r] = mu;
        rstd[r] = rs;
        for (int64_t d = 0; d < D; d++) {
            float xhat = (xr[d] - mu) * rs;
            yr[d] = xhat * (gamma ? gamma[d] : 1.0f) + (beta ? beta[d] : 0.0f);
        }
    }
}
NN_DISPATCH(nn_layer_norm_fwd,
            (const float *restrict x, const float *restrict gamma, const float *restrict beta, float *restrict y,
             float *restrict mean, float *restrict rstd, int64_t D, float eps, int64_t begin, int64_t end),
            (x, gamma, beta, y, mean, rstd, D, eps, begin, end))

NN_INLINE void nn_layer_norm_bwd_impl(const float *restrict x, const float *restrict gamma,
                                      const float *restrict mean, const float *restrict rstd, const float *restrict dy,
                                      float *restrict dx, float *restrict dgamma_acc, float *restrict dbeta_acc,
                                      int64_t D, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
        const float *xr = x + r * D, *dyr = dy + r * D;
        float *dxr = dx + r * D;
        float mu = mean[r], rs = rstd[r];
        float lanes_a[NN_LANES] = {0}, lanes_b[NN_LANES] = {0};
        int64_t d0 = 0;
        for (; d0 + NN_LANES <= D; d0 += NN_LANES)
            for (int l = 0; l < NN_LANES; l++) {
                int64_t d = d0 + l;
                float xhat = (xr[d] - mu) * rs;
                float dxhat = dyr[d] * (gamma ? gamma[d] : 1.0f);
                lanes_a[l] += dxhat;
                lanes_b[l] += dxhat * xhat;
            }
        float a = 0.0f, b = 0.0f;
        for (int64_t d = d0; d < D; d++) {
            float xhat = (xr[d] - mu) * rs;
            float dxhat = dyr[d] * (gamma ? gamma[d] : 1.0f);
            a += dxhat;
            b += dxhat * xhat;
        }
        for (int l = 0; l < NN_LANES; l++) {
            a += lanes_a[l];
            b += lanes_b[l];
        }
        for (int64_t d = 0; d < D; d++) {
            float xhat = (xr[d] - mu) * rs;
            if (dgamma_acc) dgamma_acc[d] += dyr[d] * xhat;
            if (dbeta_acc) dbeta_acc[d] += dyr[d];
        }
        a /= (float)D;
        b /= (float)D;
        for (int64_t d = 0; d < D; d++) {
            float xhat = (xr[d] - mu) * rs;
            float dxhat = dyr[d] * (gamma ? gamma[d] : 1.0f);
            dxr[d] = rs * (dxhat - a - xhat * b);
        }
    }
}
NN_DISPATCH(nn_layer_norm_bwd,
            (const float *restrict x, const float *restrict gamma, const float *restrict mean,
             const float *restrict rstd, const float *restrict dy, float *restrict dx, float *restrict dgamma_acc,
             float *restrict dbeta_acc, int64_t D, int64_t begin, int64_t end),
            (x, gamma, mean, rstd, dy, dx, dgamma_acc, dbeta_acc, D, begin, end))
