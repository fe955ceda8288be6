import ShadersCPU

// Scaled dot-product attention (Vaswani et al. 2017), flash-style blocking (Dao et al. 2022):
// queries go in blocks of `blockRows`, so scores live in an L2-sized buffer [blockRows, Lk]; the
// forward saves only the per-row log-sum-exp, and the backward recomputes each block's
// probabilities from it instead of storing the [Lq, Lk] matrix.

extension Tensor {
    static let attentionBlockRows = 128

    /// softmax(q k^T * scale) v. q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] -> [B, H, Lq, Dv]
    /// (rank-3 [B, L, D] inputs work too). scale defaults to 1/sqrt(D).
    public static func attention(q: Tensor, k: Tensor, v: Tensor, scale: Float? = nil) -> Tensor {
        precondition(q.rank == k.rank && k.rank == v.rank && q.rank >= 3, "attention ranks: \(q.shape) \(k.shape) \(v.shape)")
        let lq = q.shape[q.rank - 2], d = q.shape[q.rank - 1]
        let lk = k.shape[k.rank - 2], dv = v.shape[v.rank - 1]
        precondition(k.shape[k.rank - 1] == d && v.shape[v.rank - 2] == lk, "attention: \(q.shape) \(k.shape) \(v.shape)")
        let batch = Array(q.shape.dropLast(2))
        precondition(Array(k.shape.dropLast(2)) == batch && Array(v.shape.dropLast(2)) == batch, "attention batch dims")
        let bh = batch.reduce(1, *)
        let alpha = scale ?? 1 / Float(d).squareRoot()
        let qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous()
        let (pq, pk, pv) = (qc.data, kc.data, vc.data)
        let out = Tensor.uninitialized(batch + [lq, dv])
        let lse = Tensor.uninitialized([bh, lq])
        let (po, pl) = (out.data, lse.data)
        let blk = attentionBlockRows
        let blocks = (lq + blk - 1) / blk

        // K^T and V are packed once per head and shared by all of that head's query blocks.
        let kSize = BLAS.packedBFloats(k: d, n: lk), vSize = BLAS.packedBFloats(k: lk, n: dv)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: bh * (kSize + vSize))
        defer { packed.deallocate() }
        parallelFor(bh) { lo, hi in
            for h in lo..<hi {
                let base = packed + h * (kSize + vSize)
                BLAS.packB(transB: true, k: d, n: lk, b: pk + h * lk * d, ldb: d, into: base)
                BLAS.packB(transB: false, k: lk, n: dv, b: pv + h * lk * dv, ldb: dv, into: base + kSize)
            }
        }
        parallelFor(bh * blocks) { lo, hi in
            let s = UnsafeMutablePointer<Float>.allocate(capacity: blk * lk)
            defer { s.deallocate() }
            for item in lo..<hi {
                let h = item / blocks, r0 = (item % blocks) * blk, rows = Swift.min(blk, lq - r0)
                let base = packed + h * (kSize + vSize)
                BLAS.gemm(m: rows, n: lk, k: d, alpha: alpha, a: pq + (h * lq + r0) * d, lda: d, prepackedB: base,
                          c: s, ldc: lk)
                nn_softmax_fwd(s, s, pl + h * lq + r0, Int64(rows), Int64(lk), Int64(lk))
                BLAS.gemm(m: rows, n: dv, k: lk, a: s, lda: lk, prepackedB: base + kSize, c: po + (h * lq + r0) * dv,
                          ldc: dv)
            }
        }

        let saved = out.detached()  // not `out` itself: out -> node -> closure -> out would never be freed
        return record(out, inputs: [q, k, v]) { g in
            // Pointers re-derived from the captured tensors: the closure must keep them alive.
            let (pq, pk, pv, po, pl) = (qc.data, kc.data, vc.data, saved.data, lse.data)
            let gc = g.contiguous()
            let pg = gc.data
            let dq = Tensor.uninitialized(q.shape), dk = Tensor(zeros: k.shape), dvt = Tensor(zeros: v.shape)
            let (pdq, pdk, pdv) = (dq.data, dk.data, dvt.data)
            // Heads own their dK, dV: parallel over heads needs no reduction.
            parallelFor(bh) { lo, hi in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: blk * lk)
                let dp = UnsafeMutablePointer<Float>.allocate(capacity: blk * lk)
                defer { p.deallocate(); dp.deallocate() }
                for h in lo..<hi {
                    for b in 0..<blocks {
                        let r0 = b * blk, rows = Swift.min(blk, lq - r0)
                        let qb = pq + (h * lq + r0) * d, gb = pg + (h * lq + r0) * dv, ob = po + (h * lq + r0) * dv
                        let kh = pk + h * lk * d, vh = pv + h * lk * dv
                        // P = exp(scale q k^T - lse)
                        BLAS.gemm(transA: false, transB: true, m: rows, n: lk, k: d, alpha: alpha, a: qb, lda: d,
                                  b: kh, ldb: d, c: p, ldc: lk)
                        nn_softmax_from_lse(p, pl + h * lq + r0, Int64(rows), Int64(lk), Int64(lk))
                        // dV += P^T dO
                        BLAS.gemm(transA: true, transB: false, m: lk, n: dv, k: rows, a: p, lda: lk, b: gb, ldb: dv,
                                  beta: 1, c: pdv + h * lk * dv, ldc: dv)
                        // dP = dO V^T; dS = P (dP - rowsum(dO o O))
                        BLAS.gemm(transA: false, transB: true, m: rows, n: lk, k: dv, a: gb, lda: dv, b: vh, ldb: dv,
                                  c: dp, ldc: lk)
                        for r in 0..<rows {
                            var di: Float = 0
                            for j in 0..<dv { di += gb[r * dv + j] * ob[r * dv + j] }
                            let pr = p + r * lk, dpr = dp + r * lk
                            for j in 0..<lk { dpr[j] = pr[j] * (dpr[j] - di) }
                        }
                        // dQ = scale dS K; dK += scale dS^T Q
                        BLAS.gemm(transA: false, transB: false, m: rows, n: d, k: lk, alpha: alpha, a: dp, lda: lk,
                                  b: kh, ldb: d, c: pdq + (h * lq + r0) * d, ldc: d)
                        BLAS.gemm(transA: true, transB: false, m: lk, n: d, k: rows, alpha: alpha, a: dp, lda: lk,
                                  b: qb, ldb: d, beta: 1, c: pdk + h * lk * d, ldc: d)
                    }
                }
            }
            return [dq, dk, dvt]
        }
    }
}
