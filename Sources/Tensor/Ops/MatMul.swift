// Matrix products through BLAS: matmul (batched, with broadcasting batch dims) and linear.

extension Tensor {
    /// a [..., m, k] @ b [..., k, n] -> [..., m, n]; batch dimensions broadcast.
    public func matmul(_ b: Tensor) -> Tensor {
        let a = self
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank >= 2, got \(a.shape) and \(b.shape)")
        precondition(a.shape[a.rank - 1] == b.shape[b.rank - 2], "matmul: \(a.shape) @ \(b.shape)")
        let out = Tensor.gemmProduct(a, transA: false, b, transB: false)
        return record(out, inputs: [a, b]) { g in
            [a.requiresGrad ? Tensor.gemmProduct(g, transA: false, b, transB: true).sum(to: a.shape) : nil,
             b.requiresGrad ? Tensor.gemmProduct(a, transA: true, g, transB: false).sum(to: b.shape) : nil]
        }
    }

    /// op(a) @ op(b) without recording, where op transposes the last two axes when asked.
    /// A rank-2 `b` (weights) with untransposed `a` folds a's batch into its rows: one big GEMM.
    static func gemmProduct(_ a: Tensor, transA: Bool, _ b: Tensor, transB: Bool) -> Tensor {
        let ac = a.contiguous(), bc = b.contiguous()
        let (ar, acl) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bcl) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let m = transA ? acl : ar, k = transA ? ar : acl
        let n = transB ? br : bcl
        precondition(k == (transB ? bcl : br), "gemm inner dimensions: \(a.shape) x \(b.shape)")
        if b.rank == 2 && !transA {
            let rows = a.count / k
            let out = Tensor.uninitialized(Array(a.shape.dropLast()) + [n])
            BLAS.parallelGemm(transA: false, transB: transB, m: rows, n: n, k: k, a: ac.data, lda: acl,
                              b: bc.data, ldb: bcl, c: out.data, ldc: n)
            return out
        }
        let batch = broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
        let ae = ac.expanded(to: batch + [ar, acl]).detached().contiguous()
        let be = bc.expanded(to: batch + [br, bcl]).detached().contiguous()
        let count = batch.reduce(1, *)
        let out = Tensor.uninitialized(batch + [m, n])
        let pa = ae.data, pb = be.data, po = out.data
        if count >= Parallel.threads {
            parallelFor(count) { lo, hi in
                for i in lo..<hi {
                    BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa + i * ar * acl, lda: acl,
                              b: pb + i * br * bcl, ldb: bcl, c: po + i * m * n, ldc: n)
                }
            }
        } else {
            for i in 0..<count {
                BLAS.parallelGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa + i * ar * acl, lda: acl,
                                  b: pb + i * br * bcl, ldb: bcl, c: po + i * m * n, ldc: n)
            }
        }
        return out
    }

    /// torch.nn.functional.linear: x [..., in] @ weight[out, in]^T + bias[out].
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let inF = weight.shape[1], outF = weight.shape[0]
        precondition(shape.last == inF, "linear: input \(shape) with weight \(weight.shape)")
        let x = contiguous(), w = weight.contiguous()
        let rows = count / inF
        let out = Tensor.uninitialized(Array(shape.dropLast()) + [outF])
        if let bias {
            let bc = bias.contiguous()
            for r in 0..<rows { (out.data + r * outF).update(from: bc.data, count: outF) }
        }
        BLAS.parallelGemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.data, lda: inF,
                          b: w.data, ldb: inF, beta: bias == nil ? 0 : 1, c: out.data, ldc: outF)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return record(out, inputs: inputs) { g in
            let gc = g.contiguous()
            var grads: [Tensor?] = []
            if self.requiresGrad {
                let dx = Tensor.uninitialized(self.shape)
                BLAS.parallelGemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: gc.data, lda: outF,
                                  b: w.data, ldb: inF, c: dx.data, ldc: inF)
                grads.append(dx)
            } else { grads.append(nil) }
            if weight.requiresGrad {
                let dw = Tensor.uninitialized([outF, inF])
                BLAS.parallelGemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: gc.data, lda: outF,
                                  b: x.data, ldb: inF, c: dw.data, ldc: inF)
                grads.append(dw)
            } else { grads.append(nil) }
            if bias != nil { grads.append(gc.reshaped([rows, outF]).sum(axes: [0])) }
            return grads
        }
    }
}
