import Foundation

// Row gathers and scatters on [R, C] tensors: the index plumbing of models that route rows to
// different weights (NPHM's ensemble members). Each is the other's adjoint.

extension Tensor {
    /// out[i] = self[indices[i]]: [R, C] -> [indices.count, C]. Backward adds each row's gradient
    /// back into the row it came from.
    public func gatherRows(_ indices: [Int32]) -> Tensor {
        precondition(rank == 2, "gatherRows needs [R, C], got \(shape)")
        let (rows, width) = (shape[0], shape[1])
        let src = contiguous(), out = Tensor.uninitialized([indices.count, width])
        let x = src.data, o = out.data
        indices.withUnsafeBufferPointer { index in
            parallelFor(indices.count, grain: Swift.max(1, 4096 / Swift.max(width, 1))) { lo, hi in
                for i in lo..<hi {
                    let r = Int(index[i])
                    precondition(r >= 0 && r < rows, "gatherRows: index \(r) outside \(rows) rows")
                    (o + i * width).update(from: x + r * width, count: width)
                }
            }
        }
        return record(out, inputs: [self]) { g in [g.scatterAddRows(indices, rows: rows)] }
    }

    /// out[indices[i]] += self[i]: [n, C] -> [rows, C], zeros where no index points. Backward gathers.
    public func scatterAddRows(_ indices: [Int32], rows: Int) -> Tensor {
        precondition(rank == 2 && shape[0] == indices.count, "scatterAddRows needs [indices.count, C], got \(shape)")
        let width = shape[1]
        let src = contiguous(), out = Tensor(zeros: [rows, width])
        let x = src.data, o = out.data
        for (i, r) in indices.enumerated() {
            precondition(r >= 0 && Int(r) < rows, "scatterAddRows: index \(r) outside \(rows) rows")
            let dst = o + Int(r) * width, row = x + i * width
            for c in 0..<width { dst[c] += row[c] }
        }
        return record(out, inputs: [self]) { g in [g.gatherRows(indices)] }
    }
}
