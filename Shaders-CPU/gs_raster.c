// Tile-based Gaussian rasterisation (Kerbl et al. 2023; gsplat's layout): binning into 16x16 tiles
// in (tile, depth) order (a depth radix sort, then a counting pass by tile into the tiles each
// Gaussian's alpha_min ellipse reaches), then per tile front-to-back alpha compositing with SIMD
// over the tile's 256 pixels, and the backward pass back to front without per-pixel lists (the
// forward saves each pixel's final transmittance and contributor count). Forward and backward side
// by side; pure functions over [begin, end) ranges of Gaussians or tiles.
#include "nn_isa.h"

#define GS_TILE 16
#define GS_PIXELS (GS_TILE * GS_TILE)
#define GS_LANES 16

// The tiles [x0, x1) x [y0, y1) that a Gaussian's box (mean +- radius) overlaps.
static inline void gs_tile_rect(const float *mean, const int32_t *radius, int32_t tiles_x, int32_t tiles_y, int32_t *x0,
                                int32_t *y0, int32_t *x1, int32_t *y1) {
    float u = mean[0], v = mean[1];
    *x0 = (int32_t)fminf(fmaxf(floorf((u - radius[0]) / GS_TILE), 0), tiles_x);
    *x1 = (int32_t)fminf(fmaxf(ceilf((u + radius[0]) / GS_TILE), 0), tiles_x);
    *y0 = (int32_t)fminf(fmaxf(floorf((v - radius[1]) / GS_TILE), 0), tiles_y);
    *y1 = (int32_t)fminf(fmaxf(ceilf((v + radius[1]) / GS_TILE), 0), tiles_y);
}

// What the raster kernels read of a Gaussian, packed in one 48-byte record per Gaussian (a list entry
// then costs one cache line instead of six): mean x, y; conic a, b, c; opacity; colour r, g, b;
// depth; row reach; R. The row reach is how far (in pixels, vertically) from its mean it can still
// reach alpha_min: a row at vertical offset dy has its largest power, at dx = -B dy / A, of
// -0.5 (C - B^2 / A) dy^2, and alpha = o exp(power) stays below alpha_min when that power is under
// cut = ln(alpha_min / o) (taken 0.1% low for rounding), i.e. when |dy| > sqrt(-2 cut A / (A C - B^2));
// so the per-tile loops test a row with one comparison (-1: it reaches nothing). R = -2 cut, the
// ellipse A dx^2 + 2 B dx dy + C dy^2 <= R where alpha reaches alpha_min, is what binning reads.
void gs_pack_splats(const float *restrict means2d, const float *restrict conics, const float *restrict opacities,
                    const float *restrict colours, const float *restrict depths, float alpha_min, int64_t begin,
                    int64_t end, float *restrict splats) {
    for (int64_t i = begin; i < end; i++) {
        float A = conics[3 * i], B = conics[3 * i + 1], C = conics[3 * i + 2], o = opacities[i];
        float R = o > 0.0f ? -2.0f * logf(alpha_min * 0.999f / o) : -1.0f, det = A * C - B * B;
        float *s = splats + GS_SPLAT_FLOATS * i;
        s[0] = means2d[2 * i]; s[1] = means2d[2 * i + 1];
        s[2] = A; s[3] = B; s[4] = C; s[5] = o;
        s[6] = colours[3 * i]; s[7] = colours[3 * i + 1]; s[8] = colours[3 * i + 2]; s[9] = depths[i];
        s[10] = !(R > 0.0f) ? -1.0f : (A > 0.0f && det > 0.0f) ? sqrtf(R * A / det) : INFINITY;
        s[11] = R;
    }
}

// Pixel centres (integer + 0.5) of a tile's 256 pixels, row by row; pixels past the image edge get
// centres too (callers mask them).
NN_INLINE void gs_tile_pixel_centres(int64_t tile, int32_t tiles_x, float *restrict px, float *restrict py) {
    int32_t tx = (int32_t)(tile % tiles_x), ty = (int32_t)(tile / tiles_x);
    for (int p = 0; p < GS_PIXELS; p++) {
        px[p] = tx * GS_TILE + p % GS_TILE + 0.5f;
        py[p] = ty * GS_TILE + p / GS_TILE + 0.5f;
    }
}

// exp(x) for a Gaussian's power, cheaper than nn_expf (12 vector operations instead of 18): x = n ln2
// + r with a single ln2 constant (the powers that matter lie in [ln(1/255), 0], |n| <= 8), a degree-5
// polynomial on |r| <= ln2/2 fitted for relative error (2.3e-7 there; exp(0) = 1 exactly), and 2^n
// added to the result's exponent bits. Inputs below -87 give about exp(-87); positive inputs (a
// rounding artefact at most: callers skip power > 0) are not clamped.
NN_INLINE float gs_exp(float x) {
    x = fmaxf(x, -87.0f);
    float shifted = x * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23: rounds x / ln2 to an integer
    float n = shifted - 12582912.0f, r = x - n * 0.693147182f;
    float p = 0.008346440270543098f;
    p = p * r + 0.04192711040377617f;
    p = p * r + 0.16666781902313232f;
    p = p * r + 0.4999886155128479f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t n_bits, p_bits;
    memcpy(&n_bits, &shifted, 4);
    memcpy(&p_bits, &p, 4);
    p_bits += (n_bits - 0x4B400000) * (1 << 23);  // the integer n sits in shifted's low mantissa bits
    memcpy(&p, &p_bits, 4);
    return p;
}

// The power of a Gaussian at a pixel, -0.5 (A dx^2 + C dy^2) - B dx dy, split into what varies
// along a tile row (dx per lane: half_a_dx2 = -0.5 A dx^2, once per entry) and what is constant on it
// (minus_b_dy = -B dy, half_c_dy2 = -0.5 C dy^2, once per row). Forward and backward use this one
// expression, so both see the same alphas bit for bit.
NN_INLINE float gs_power(float half_a_dx2, float minus_b_dy, float dx, float half_c_dy2) {
    return half_a_dx2 + minus_b_dy * dx + half_c_dy2;
}

// The sum of a tile row's 16 lane values as a fixed pairwise tree (halves added, then quarters, ...):
// vector adds instead of a serial chain of 15, and the same order on every ISA.
NN_INLINE float gs_lane_sum(const float *restrict v) {
    float h[GS_LANES / 2];
    for (int l = 0; l < 8; l++) h[l] = v[l] + v[l + 8];
    for (int l = 0; l < 4; l++) h[l] += h[l + 4];
    for (int l = 0; l < 2; l++) h[l] += h[l + 2];
    return h[0] + h[1];
}

// Marks the tile rows whose pixels are all done (transmittance negated: saturated or outside the
// image) in row_done [GS_TILE]; returns how many pixels are still live.
NN_INLINE int gs_mark_done_rows(const float *restrict T, int *restrict row_done) {
    int live = 0;
    for (int row = 0; row < GS_TILE; row++) {
        int row_live = 0;
        for (int l = 0; l < GS_LANES; l++) row_live += T[row * GS_LANES + l] > 0.0f;
        row_done[row] = row_live == 0;
        live += row_live;
    }
    return live;
}

// Binning. The tile lists are the Gaussian-tile pairs sorted by the key (tile, depth), built as a
// least-significant-digit radix sort whose depth digits run on the N Gaussians before they are
// duplicated per tile (gs_depth_order), and whose tile digit is one stable counting pass that
// scatters Gaussians in depth order into per-tile buckets (gs_bin_count, gs_bin_emit) and yields
// the per-tile ranges. Same order as sorting the M 64-bit keys, at a fraction of the passes over M.

// The visible Gaussians (a positive radius) in ascending depth, ties in index order: stable LSD radix
// sort on the depth's float bits (depths are positive after near-plane culling, so their bit patterns
// order as their values), 8 bits a pass. order, scratch: [N]. Returns how many are visible.
int64_t gs_depth_order(const float *restrict depths, const int32_t *restrict radii, int64_t n, int32_t *restrict order,
                       int32_t *restrict scratch) {
    int64_t visible = 0;
    for (int64_t i = 0; i < n; i++)
        if (radii[2 * i] > 0 || radii[2 * i + 1] > 0) order[visible++] = (int32_t)i;
    int32_t *src = order, *dst = scratch;
    for (int shift = 0; shift < 32; shift += 8) {
        int64_t count[257] = {0};
        for (int64_t j = 0; j < visible; j++) {
            uint32_t bits;
            memcpy(&bits, depths + src[j], 4);
            count[((bits >> shift) & 0xFF) + 1]++;
        }
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (int64_t j = 0; j < visible; j++) {
            uint32_t bits;
            memcpy(&bits, depths + src[j], 4);
            dst[count[(bits >> shift) & 0xFF]++] = src[j];
        }
        int32_t *t = src; src = dst; dst = t;
    }
    // Four passes: the result is back in order.
    return visible;
}

// Which tiles a Gaussian's list entries go to: the tiles of its box (x0, y0, x1, y1 from its radii)
// that its alpha_min ellipse A dx^2 + 2 B dx dy + C dy^2 <= R reaches, found per tile row. Over a
// row's band of pixel centres, dy in [lo, hi], the ellipse spans x from the smallest of its left ends
// to the largest of its right ends; the right end mx - B dy / A + sqrt(R / A - det dy^2 / A^2) is
// concave in dy, largest at dy = -B sqrt(R / (C det)), and the left end convex, smallest at the
// opposite dy, so each is read at that dy clamped to the band. Conservative (a continuous band, R
// taken 0.1% large, a 0.01 px margin); degenerate conics keep the box. The constants once per Gaussian.
typedef struct {
    int32_t x0, y0, x1, y1;
    int ellipse;  // 0: the whole box rows
    float mx, my, reach, leftmost_dy, centre_slope, r_over_a, det_over_a2;
} gs_footprint;

NN_INLINE gs_footprint gs_footprint_of(const float *restrict s, const int32_t *restrict radius, int32_t tiles_x, int32_t tiles_y) {
    gs_footprint f;
    gs_tile_rect(s, radius, tiles_x, tiles_y, &f.x0, &f.y0, &f.x1, &f.y1);
    float A = s[2], B = s[3], C = s[4], R = s[11], det = A * C - B * B;
    f.mx = s[0]; f.my = s[1]; f.reach = s[10];
    if (!(f.reach >= 0.0f)) f.y1 = f.y0;  // reaches nothing
    f.ellipse = f.reach < INFINITY && C > 0.0f;
    f.leftmost_dy = f.ellipse ? B * sqrtf(R / (C * det)) : 0.0f;
    f.centre_slope = -B / A; f.r_over_a = R / A; f.det_over_a2 = det / (A * A);
    return f;
}

// The columns [c0[k], c1[k]) that the footprint reaches in tile rows y + k, k < GS_LANES (rows past
// the box get whatever; callers read rows below y1 only): branch-free over the rows, so it vectorises.
NN_INLINE void gs_footprint_rows(const gs_footprint *restrict f, int32_t y, int32_t *restrict c0, int32_t *restrict c1) {
    float x0 = (float)f->x0, x1 = (float)f->x1;
    for (int k = 0; k < GS_LANES; k++) {
        float top = (float)((y + k) * GS_TILE) + 0.5f - f->my;
        float lo = fmaxf(top, -f->reach), hi = fminf(top + (GS_TILE - 1), f->reach);
        float dl = fminf(fmaxf(f->leftmost_dy, lo), hi), dr = fminf(fmaxf(-f->leftmost_dy, lo), hi);
        float left = f->mx + f->centre_slope * dl - sqrtf(fmaxf(0.0f, f->r_over_a - f->det_over_a2 * dl * dl)) - 0.01f;
        float right = f->mx + f->centre_slope * dr + sqrtf(fmaxf(0.0f, f->r_over_a - f->det_over_a2 * dr * dr)) + 0.01f;
        // Tile tx holds pixel centres 16 tx + 0.5 ... 16 tx + 15.5.
        float first = fminf(fmaxf(ceilf((left - (GS_TILE - 0.5f)) / GS_TILE), x0), x1);
        float past = fminf(fmaxf(floorf((right - 0.5f) / GS_TILE) + 1.0f, first), x1);
        int reached = f->ellipse ? lo <= hi : 1;
        c0[k] = f->ellipse ? (int32_t)first : f->x0;
        c1[k] = !reached ? c0[k] : f->ellipse ? (int32_t)past : f->x1;
    }
}

// Walks the Gaussians order[begin, end) over the tiles of their boxes that their ellipses reach
// (gs_footprint): counting (emit 0: tally[t]++, how many entries each tile's list receives) or
// emitting (emit 1: ids[tally[t]++] = the Gaussian, tally holding the tiles' cursors). emit is a
// constant at each call. splats from gs_pack_splats. (Dispatched like the raster kernels: the
// baseline ISA has no rounding instruction, so floorf and ceilf would be library calls.)
NN_INLINE void gs_bin_walk(const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order,
                           int32_t tiles_x, int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict tally,
                           int32_t *restrict ids, const int emit) {
    for (int64_t j = begin; j < end; j++) {
        int32_t i = order[j], c0[GS_LANES], c1[GS_LANES];
        if (j + 8 < end) __builtin_prefetch(splats + GS_SPLAT_FLOATS * order[j + 8]);  // depth order: scattered records
        gs_footprint f = gs_footprint_of(splats + GS_SPLAT_FLOATS * i, radii + 2 * i, tiles_x, tiles_y);
        for (int32_t ty = f.y0; ty < f.y1; ty++) {
            if ((ty - f.y0) % GS_LANES == 0) gs_footprint_rows(&f, ty, c0, c1);
            int32_t k = (ty - f.y0) % GS_LANES;
            for (int32_t tx = c0[k]; tx < c1[k]; tx++) {
                if (emit) ids[tally[ty * tiles_x + tx]++] = i;
                else tally[ty * tiles_x + tx]++;
            }
        }
    }
}

// counts [tiles] += how many of the Gaussians order[begin, end) each tile's list receives.
NN_INLINE void gs_bin_count_impl(const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order,
                                 int32_t tiles_x, int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict counts) {
    gs_bin_walk(splats, radii, order, tiles_x, tiles_y, begin, end, counts, NULL, 0);
}
NN_DISPATCH(gs_bin_count,
            (const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order, int32_t tiles_x,
             int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict counts),
            (splats, radii, order, tiles_x, tiles_y, begin, end, counts))

// Writes the Gaussians order[begin, end) into the lists of the tiles they reach: ids[cursor[t]++].
NN_INLINE void gs_bin_emit_impl(const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order,
                                int32_t tiles_x, int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict cursor,
                                int32_t *restrict ids) {
    gs_bin_walk(splats, radii, order, tiles_x, tiles_y, begin, end, cursor, ids, 1);
}
NN_DISPATCH(gs_bin_emit,
            (const float *restrict splats, const int32_t *restrict radii, const int32_t *restrict order, int32_t tiles_x,
             int32_t tiles_y, int64_t begin, int64_t end, int64_t *restrict cursor, int32_t *restrict ids),
            (splats, radii, order, tiles_x, tiles_y, begin, end, cursor, ids))

// Forward over tiles [begin, end). Per Gaussian: splats [N, GS_SPLAT_FLOATS] from gs_pack_splats; ranges
// [tiles,2] and ids [M] from binning; background [3]; alphas below alpha_min (3DGS: 1/255) are skipped.
// Outputs per pixel (row-major H x W): rgb [H,W,3] (composited over the background), alpha [H,W],
// depth [H,W] (expected depth, not normalised; NULL: not computed), final_t [H,W] and n_contrib [H,W]
// for the backward. with_depth is a constant at each call, so each variant is compiled on its own.
NN_INLINE void gs_rasterize_fwd_body(const float *restrict splats, const int64_t *restrict ranges,
                                     const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x,
                                     float alpha_min, const float *restrict background, int64_t begin, int64_t end, float *restrict rgb,
                                     float *restrict alpha_out, float *restrict depth_out, float *restrict final_t,
                                     int32_t *restrict n_contrib, const int with_depth) {
    // T holds a pixel's transmittance, negated once the pixel is done (saturated, or outside the image).
    float px[GS_PIXELS], py[GS_PIXELS], T[GS_PIXELS], cr[GS_PIXELS], cg[GS_PIXELS], cb[GS_PIXELS], cd[GS_PIXELS];
    float last[GS_PIXELS];
    for (int64_t tile = begin; tile < end; tile++) {
        int32_t tx = (int32_t)(tile % tiles_x), ty = (int32_t)(tile / tiles_x);
        gs_tile_pixel_centres(tile, tiles_x, px, py);
        for (int p = 0; p < GS_PIXELS; p++) {
            T[p] = (px[p] < width && py[p] < height) ? 1.0f : -1.0f;
            cr[p] = cg[p] = cb[p] = cd[p] = 0; last[p] = 0;
        }
        int row_done[GS_TILE];
        int live = gs_mark_done_rows(T, row_done);
        int64_t start = ranges[2 * tile], stop = ranges[2 * tile + 1];
        for (int64_t idx = start; idx < stop && live > 0; idx++) {
            int32_t g = ids[idx];
            const float *sp = splats + GS_SPLAT_FLOATS * g;
            float mx = sp[0], my = sp[1], A = sp[2], B = sp[3], C = sp[4], o = sp[5];
            float r = sp[6], gg = sp[7], b = sp[8], d = sp[9], reach = sp[10];
            float n = (float)(idx - start + 1);
            float dx[GS_LANES], half_a_dx2[GS_LANES];  // the same for every row of the tile
            for (int l = 0; l < GS_LANES; l++) {
                dx[l] = px[l] - mx;
                half_a_dx2[l] = -0.5f * A * dx[l] * dx[l];
            }
            for (int row = 0; row < GS_TILE; row++) {
              float dy = py[row * GS_LANES] - my;
              if (row_done[row] || fabsf(dy) > reach) continue;
              float minus_b_dy = -B * dy, half_c_dy2 = -0.5f * C * dy * dy;
              for (int l = 0; l < GS_LANES; l++) {
                int p = row * GS_LANES + l;
                float power = gs_power(half_a_dx2[l], minus_b_dy, dx[l], half_c_dy2);
                float a = fminf(0.99f, o * gs_exp(power));
                float t = T[p], nt = t * (1.0f - a);
                int ok = (power <= 0.0f) & (a >= alpha_min) & (t > 0.0f);
                int halt = ok & (nt < 1e-4f);
                int inc = ok & !halt;
                float w = inc ? a * t : 0.0f;
                cr[p] += w * r; cg[p] += w * gg; cb[p] += w * b;
                if (with_depth) cd[p] += w * d;
                T[p] = inc ? nt : halt ? -t : t;
                if (inc) last[p] = n;
              }
            }
            if (((idx - start) & 31) == 31) live = gs_mark_done_rows(T, row_done);
        }
        // The tile's pixels inside the image, a row at a time (contiguous in the outputs).
        int cols = width - tx * GS_TILE < GS_TILE ? width - tx * GS_TILE : GS_TILE;
        for (int row = 0; row < GS_TILE && ty * GS_TILE + row < height; row++) {
            int64_t o0 = (int64_t)(ty * GS_TILE + row) * width + tx * GS_TILE;
            for (int l = 0; l < cols; l++) {
                int p = row * GS_TILE + l;
                int64_t o = o0 + l;
                float t = fabsf(T[p]);
                rgb[3 * o] = cr[p] + t * background[0];
                rgb[3 * o + 1] = cg[p] + t * background[1];
                rgb[3 * o + 2] = cb[p] + t * background[2];
                alpha_out[o] = 1.0f - t;
                if (with_depth) depth_out[o] = cd[p];
                final_t[o] = t;
                n_contrib[o] = (int32_t)last[p];
            }
        }
    }
}
NN_INLINE void gs_rasterize_fwd_impl(const float *restrict splats, const int64_t *restrict ranges,
                                     const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x,
                                     float alpha_min, const float *restrict background, int64_t begin, int64_t end, float *restrict rgb,
                                     float *restrict alpha_out, float *restrict depth_out, float *restrict final_t,
                                     int32_t *restrict n_contrib) {
    if (depth_out)
        gs_rasterize_fwd_body(splats, ranges, ids, width, height, tiles_x, alpha_min, background, begin, end, rgb, alpha_out,
                              depth_out, final_t, n_contrib, 1);
    else
        gs_rasterize_fwd_body(splats, ranges, ids, width, height, tiles_x, alpha_min, background, begin, end, rgb, alpha_out,
                              NULL, final_t, n_contrib, 0);
}
NN_DISPATCH(gs_rasterize_fwd,
            (const float *restrict splats, const int64_t *restrict ranges,
             const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x, float alpha_min,
             const float *restrict background,
             int64_t begin, int64_t end, float *restrict rgb, float *restrict alpha_out, float *restrict depth_out,
             float *restrict final_t, int32_t *restrict n_contrib),
            (splats, ranges, ids, width, height, tiles_x, alpha_min, background, begin, end, rgb,
             alpha_out, depth_out, final_t, n_contrib))

// Backward over tiles [begin, end): d_rgb [H,W,3], d_alpha [H,W], d_depth [H,W] (NULL: none) -> one gradient
// record per list entry, instance_grads [M, GS_INSTANCE_GRADS] = (d mean2d x, y, d conic a, b, c,
// d opacity, d colour r, g, b, d depth), written without races (each entry belongs to one tile) and
// summed per Gaussian by gs_reduce_instances in list order, so results do not depend on threads.
//
// With C = sum_j c_j a_j T_j + T_final bg (c_j: colour and depth, T_j the transmittance in front of
// j), d C / d a_i = c_i T_i - (S_i + T_final bg) / (1 - a_i), where S_i = sum_{j > i} c_j a_j T_j is
// what lies behind i. Only its product with the pixel's upstream gradient g enters the loss:
// dL/da_i = (c_i . g) T_i + (K - S_i . g) / (1 - a_i) with K = T_final (d_alpha - bg . g_rgb), so
// each pixel carries two numbers back to front, T (recovered as T / (1 - a)) and U = K - S . g
// (starting at K); its constants are g (3 or 4 channels) and the contributor count.
NN_INLINE void gs_rasterize_bwd_body(const float *restrict splats, const int64_t *restrict ranges,
                                     const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x,
                                     float alpha_min, const float *restrict background, const float *restrict final_t,
                                     const int32_t *restrict n_contrib, const float *restrict d_rgb, const float *restrict d_alpha,
                                     const float *restrict d_depth, int64_t begin, int64_t end, float *restrict instance_grads,
                                     const int with_depth) {
    float px[GS_PIXELS], py[GS_PIXELS], T[GS_PIXELS], U[GS_PIXELS], last[GS_PIXELS];
    float gr[GS_PIXELS], gg[GS_PIXELS], gb[GS_PIXELS], gd[GS_PIXELS];
    for (int64_t tile = begin; tile < end; tile++) {
        int32_t max_last = 0;
        gs_tile_pixel_centres(tile, tiles_x, px, py);
        for (int p = 0; p < GS_PIXELS; p++) {
            int x = (int)px[p], y = (int)py[p];
            if (x < width && y < height) {
                int64_t o = (int64_t)y * width + x;
                T[p] = final_t[o];
                last[p] = (float)n_contrib[o];
                gr[p] = d_rgb[3 * o]; gg[p] = d_rgb[3 * o + 1]; gb[p] = d_rgb[3 * o + 2];
                gd[p] = with_depth ? d_depth[o] : 0.0f;
                float bg_term = background[0] * gr[p] + background[1] * gg[p] + background[2] * gb[p];
                U[p] = final_t[o] * (d_alpha[o] - bg_term);
                if (n_contrib[o] > max_last) max_last = n_contrib[o];
            } else {
                T[p] = 1; last[p] = 0;
                gr[p] = gg[p] = gb[p] = gd[p] = U[p] = 0;
            }
        }
        // A row takes part only from its own last contributor down.
        float row_last[GS_TILE];
        for (int row = 0; row < GS_TILE; row++) {
            float m = 0;
            for (int l = 0; l < GS_LANES; l++) m = fmaxf(m, last[row * GS_LANES + l]);
            row_last[row] = m;
        }
        int64_t start = ranges[2 * tile];
        for (int64_t idx = start + max_last - 1; idx >= start; idx--) {
            int32_t g = ids[idx];
            const float *sp = splats + GS_SPLAT_FLOATS * g;
            float mx = sp[0], my = sp[1], A = sp[2], B = sp[3], C = sp[4], o = sp[5];
            float r = sp[6], gc = sp[7], b = sp[8], d = sp[9], reach = sp[10];
            float n = (float)(idx - start);  // entries before this one; active where n < last
            float dx[GS_LANES], dx2[GS_LANES], half_a_dx2[GS_LANES];  // the same for every row of the tile
            for (int l = 0; l < GS_LANES; l++) {
                dx[l] = px[l] - mx;
                dx2[l] = dx[l] * dx[l];
                half_a_dx2[l] = -0.5f * A * dx2[l];
            }
            // Per-lane partial sums (lane = pixel mod 16): without -ffast-math a single float sum
            // would keep the loop scalar; lanes are reduced in a fixed order afterwards. The mean,
            // conic and opacity gradients are linear in the moments of q = d loss / d power / o = G
            // dl/da over the pixels (sums of q, q dx, q dx^2, q dy, q dx dy, q dy^2); dx is fixed per
            // lane and dy per row, so the rows only accumulate q, q dy and q dy^2 per lane and the dx
            // weights are applied once per entry.
            float q0[GS_LANES], q1[GS_LANES], q2[GS_LANES];
            float s_r[GS_LANES], s_g[GS_LANES], s_b[GS_LANES], s_d[GS_LANES];
            for (int l = 0; l < GS_LANES; l++) q0[l] = q1[l] = q2[l] = s_r[l] = s_g[l] = s_b[l] = s_d[l] = 0;
            for (int row = 0; row < GS_TILE; row++) {
                float dy = py[row * GS_LANES] - my;
                if (n >= row_last[row] || fabsf(dy) > reach) continue;
                float minus_b_dy = -B * dy, half_c_dy2 = -0.5f * C * dy * dy, dy2 = dy * dy;
                for (int l = 0; l < GS_LANES; l++) {
                    int p = row * GS_LANES + l;
                    float power = gs_power(half_a_dx2[l], minus_b_dy, dx[l], half_c_dy2);
                    float G = gs_exp(power);
                    float raw = o * G;
                    float a = fminf(0.99f, raw);
                    int active = (n < last[p]) & (power <= 0.0f) & (a >= alpha_min);
                    float inv_one_minus = 1.0f / fmaxf(1e-6f, 1.0f - a);
                    float t = active ? T[p] * inv_one_minus : T[p];
                    float w = active ? a * t : 0.0f;
                    float c_dot_g = r * gr[p] + gc * gg[p] + b * gb[p];
                    float cg_dot = with_depth ? c_dot_g + d * gd[p] : c_dot_g;
                    float dl_da = t * cg_dot + inv_one_minus * U[p];
                    float q = (active && raw <= 0.99f) ? G * dl_da : 0.0f;
                    q0[l] += q;
                    q1[l] += dy * q;
                    q2[l] += dy2 * q;
                    s_r[l] += w * gr[p];
                    s_g[l] += w * gg[p];
                    s_b[l] += w * gb[p];
                    if (with_depth) s_d[l] += w * gd[p];
                    U[p] -= w * cg_dot;
                    T[p] = t;
                }
            }
            // d power / d mean = (A dx + B dy, C dy + B dx); d power / d conic = -(dx^2 / 2, dx dy, dy^2 / 2).
            float x0[GS_LANES], xx0[GS_LANES], x1[GS_LANES];
            for (int l = 0; l < GS_LANES; l++) {
                x0[l] = dx[l] * q0[l];
                xx0[l] = dx2[l] * q0[l];
                x1[l] = dx[l] * q1[l];
            }
            float s_x = gs_lane_sum(x0), s_xx = gs_lane_sum(xx0), s_y = gs_lane_sum(q1), s_xy = gs_lane_sum(x1);
            float s_yy = gs_lane_sum(q2), s_o = gs_lane_sum(q0);
            float sum[GS_INSTANCE_GRADS];
            sum[6] = gs_lane_sum(s_r); sum[7] = gs_lane_sum(s_g); sum[8] = gs_lane_sum(s_b); sum[9] = gs_lane_sum(s_d);
            sum[0] = o * (A * s_x + B * s_y);
            sum[1] = o * (C * s_y + B * s_x);
            sum[2] = -0.5f * o * s_xx;
            sum[3] = -o * s_xy;
            sum[4] = -0.5f * o * s_yy;
            sum[5] = s_o;
            float *out = instance_grads + idx * GS_INSTANCE_GRADS;
            for (int k = 0; k < GS_INSTANCE_GRADS; k++) out[k] = sum[k];
        }
        // Entries past every pixel's last contributor receive no gradient.
        for (int64_t idx = start + max_last; idx < ranges[2 * tile + 1]; idx++)
            for (int k = 0; k < GS_INSTANCE_GRADS; k++) instance_grads[idx * GS_INSTANCE_GRADS + k] = 0;
    }
}
NN_INLINE void gs_rasterize_bwd_impl(const float *restrict splats, const int64_t *restrict ranges,
                                     const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x,
                                     float alpha_min, const float *restrict background, const float *restrict final_t,
                                     const int32_t *restrict n_contrib, const float *restrict d_rgb, const float *restrict d_alpha,
                                     const float *restrict d_depth, int64_t begin, int64_t end, float *restrict instance_grads) {
    if (d_depth)
        gs_rasterize_bwd_body(splats, ranges, ids, width, height, tiles_x, alpha_min, background, final_t, n_contrib, d_rgb,
                              d_alpha, d_depth, begin, end, instance_grads, 1);
    else
        gs_rasterize_bwd_body(splats, ranges, ids, width, height, tiles_x, alpha_min, background, final_t, n_contrib, d_rgb,
                              d_alpha, NULL, begin, end, instance_grads, 0);
}
NN_DISPATCH(gs_rasterize_bwd,
            (const float *restrict splats, const int64_t *restrict ranges,
             const int32_t *restrict ids, int32_t width, int32_t height, int32_t tiles_x, float alpha_min,
             const float *restrict background,
             const float *restrict final_t, const int32_t *restrict n_contrib, const float *restrict d_rgb,
             const float *restrict d_alpha, const float *restrict d_depth, int64_t begin, int64_t end,
             float *restrict instance_grads),
            (splats, ranges, ids, width, height, tiles_x, alpha_min, background, final_t, n_contrib,
             d_rgb, d_alpha, d_depth, begin, end, instance_grads))

// Sums the per-entry records into per-Gaussian gradients (accumulating into the outputs), in list
// order, for the output groups [group_begin, group_end) of (0 d_means2d [N,2], 1 d_conics [N,3],
// 2 d_opacities [N], 3 d_colours [N,3], 4 d_depths [N]): disjoint groups run in parallel without a
// branch per entry, and every sum keeps the order of a serial pass.
void gs_reduce_instances(const int32_t *restrict ids, const float *restrict instance_grads, int64_t n,
                         int32_t group_begin, int32_t group_end, float *restrict d_means2d, float *restrict d_conics,
                         float *restrict d_opacities, float *restrict d_colours, float *restrict d_depths) {
    int means = group_begin <= 0 && 0 < group_end, conics = group_begin <= 1 && 1 < group_end;
    int opacities = group_begin <= 2 && 2 < group_end, colours = group_begin <= 3 && 3 < group_end;
    int depths = group_begin <= 4 && 4 < group_end;
    for (int64_t idx = 0; idx < n; idx++) {
        int32_t g = ids[idx];
        const float *s = instance_grads + idx * GS_INSTANCE_GRADS;
        if (means) { d_means2d[2 * g] += s[0]; d_means2d[2 * g + 1] += s[1]; }
        if (conics) { d_conics[3 * g] += s[2]; d_conics[3 * g + 1] += s[3]; d_conics[3 * g + 2] += s[4]; }
        if (opacities) d_opacities[g] += s[5];
        if (colours) { d_colours[3 * g] += s[6]; d_colours[3 * g + 1] += s[7]; d_colours[3 * g + 2] += s[8]; }
        if (depths) d_depths[g] += s[9];
    }
}
