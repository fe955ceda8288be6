import ShadersCPU
import Tensor

extension LPIPS {
    /// The channel-norm epsilon of lpips.normalize_tensor.
    static let normEpsilon: Float = 1e-10

    /// One tap's distance [N]: mean over pixels of sum_c w_c (a/||a|| - b/||b||)^2 for features
    /// a, b [N, C, H, W] and the head [1, C, 1, 1]; one fused kernel each way (Shaders-CPU/nn_lpips.c)
    /// in place of the ten elementwise ops, reductions and 1x1 convolution it stands for.
    /// Differentiable in a, b and the head.
    public static func tapDistance(_ a: Tensor, _ b: Tensor, head: Tensor) -> Tensor {
        precondition(a.shape == b.shape && a.rank == 4 && head.count == a.shape[1],
                     "LPIPS tap: features \(a.shape) and \(b.shape) with head \(head.shape)")
        let (n, c, s) = (a.shape[0], a.shape[1], a.shape[2] * a.shape[3])
        let ac = a.contiguous(), bc = b.contiguous(), w = head.contiguous()
        // norms [2, N, S] (a's, then b's), per-pixel terms [N, S]
        let norms = Tensor.uninitialized([2, n, s]), terms = Tensor.uninitialized([n, s])
        let (pa, pb, pw, pn, pt) = (ac.data, bc.data, w.data, norms.data, terms.data)
        let eps = normEpsilon
        for i in 0..<n {
            parallelFor(s, grain: 256) { lo, hi in
                nn_lpips_tap_fwd(pa + i * c * s, pb + i * c * s, pw, Int64(c), Int64(s), eps, pn + i * s,
                                 pn + (n + i) * s, pt + i * s, Int64(lo), Int64(hi))
            }
        }
        let out = terms.mean(axes: [1])

        return Tensor.record(out, inputs: [a, b, head]) { g in
            let gc = g.contiguous()
            let da = a.requiresGrad ? Tensor.uninitialized(a.shape) : nil
            let db = b.requiresGrad ? Tensor.uninitialized(b.shape) : nil
            for i in 0..<n {
                let scale = gc.data[i] / Float(s)
                parallelFor(s, grain: 256) { lo, hi in
                    nn_lpips_tap_bwd(pa + i * c * s, pb + i * c * s, pw, pn + i * s, pn + (n + i) * s, Int64(c), Int64(s),
                                     eps, scale, da.map { $0.data + i * c * s }, db.map { $0.data + i * c * s },
                                     Int64(lo), Int64(hi))
                }
            }
            // d head_c = sum_i g_i / S sum_p (ah - bh)^2: composed, only for a trainable head.
            let dHead = head.requiresGrad ? headGradient(ac, bc, norms: norms, upstream: gc).reshaped(head.shape) : nil
            return [da, db, dHead]
        }
    }

    /// sum_i g_i mean_p (a/(||a|| + eps) - b/(||b|| + eps))^2 per channel: [C].
    private static func headGradient(_ a: Tensor, _ b: Tensor, norms: Tensor, upstream g: Tensor) -> Tensor {
        let (n, s) = (a.shape[0], a.shape[2] * a.shape[3])
        let na = norms.reshaped([2, n, 1, s]).split(sizes: [1, 1], axis: 0)
        let d = a.reshaped([n, a.shape[1], s]) / (na[0].reshaped([n, 1, s]) + normEpsilon)
            - b.reshaped([n, b.shape[1], s]) / (na[1].reshaped([n, 1, s]) + normEpsilon)
        return ((d * d).mean(axes: [2]) * g.reshaped([n, 1])).sum(axes: [0])
    }
}
