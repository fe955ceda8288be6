import ShadersCPU

/// The activation between the layers of a row MLP.
public enum RowActivation: Sendable, Equatable {
    case relu
    /// log(1 + exp(beta x)) / beta, and x where beta x > threshold (as `Tensor.softplus`).
    case softplus(beta: Float, threshold: Float = 20)
}

/// A small MLP run on many rows for inference (nothing is recorded for autograd): blocks of rows go
/// through every layer while they are in cache. Each layer is one GEMM on a weight packed once per
/// call, then one pass that adds the bias (and, on the first layer, a per-row term from a table) and
/// applies the activation in place. The unfused form (linear, gather, add, activation as separate
/// tensors) writes and reads every hidden layer through memory three to four times.
public struct RowMLP {
    /// weight [out, in], bias [out] (optional), first layer first.
    public var layers: [(weight: Tensor, bias: Tensor?)]
    public var activation: RowActivation

    public init(layers: [(weight: Tensor, bias: Tensor?)], activation: RowActivation) {
        precondition(!layers.isEmpty, "RowMLP: no layers")
        for (a, b) in zip(layers, layers.dropFirst()) {
            precondition(b.weight.shape[1] == a.weight.shape[0], "RowMLP: layer widths \(a.weight.shape) then \(b.weight.shape)")
        }
        self.layers = layers
        self.activation = activation
    }

    /// Rows per block: 128 rows of a 96-128 wide layer (about 60 KB) stay in L2 through all layers.
    static let blockRows = 128

    /// input [N, F]; `rows` [n]: the input row each output row reads (nil: every row in order, n = N).
    /// `firstLayerTerm`: a table [T, hidden0] and, per output row, the table row added to the first
    /// layer's pre-activation (a part of the input that many rows share, multiplied once by the
    /// caller). Returns the output [n, out] and, with `tapLastHidden`, the last hidden layer's
    /// pre-activation [n, hidden] (what the activation before the output layer reads).
    public func callAsFunction(_ input: Tensor, rows: [Int32]? = nil, firstLayerTerm: (table: Tensor, index: [Int32])? = nil,
                               tapLastHidden: Bool = false) -> (output: Tensor, lastHiddenPreActivation: Tensor?) {
        precondition(input.rank == 2 && input.shape[1] == layers[0].weight.shape[1], "RowMLP: input \(input.shape)")
        precondition(!tapLastHidden || layers.count > 1, "RowMLP: no hidden layer to tap")
        let x = input.contiguous(), (inputRows, width) = (x.shape[0], x.shape[1])
        let n = rows?.count ?? inputRows
        if let rows { precondition(rows.allSatisfy { $0 >= 0 && Int($0) < inputRows }, "RowMLP: row index out of range") }
        let term = firstLayerTerm.map { (table: $0.table.contiguous(), index: $0.index) }
        if let term {
            precondition(term.index.count == n && term.table.shape[1] == layers[0].weight.shape[0], "RowMLP: first-layer term \(term.table.shape)")
            precondition(term.index.allSatisfy { $0 >= 0 && Int($0) < term.table.shape[0] }, "RowMLP: term index out of range")
        }
        let weights = layers.map { $0.weight.contiguous() }, biases = layers.map { $0.bias?.contiguous() }
        let widths = weights.map { $0.shape[0] }, outWidth = widths.last!, maxWidth = widths.max()!
        let output = Tensor.uninitialized([n, outWidth])
        let tap = tapLastHidden ? Tensor.uninitialized([n, widths[widths.count - 2]]) : nil
        if n == 0 { return (output, tap) }

        // The output layer of a signed distance or a colour is 1-3 wide: dot products beat a GEMM
        // padded to the kernel's panel width.
        let outputByDots = outWidth < 8
        let packedCount = outputByDots ? layers.count - 1 : layers.count
        let packed: [UnsafeMutablePointer<Float>] = (0..<packedCount).map { l in
            let (out, inF) = (widths[l], weights[l].shape[1])
            let p = UnsafeMutablePointer<Float>.allocate(capacity: BLAS.packedBFloats(k: inF, n: out))
            BLAS.packB(transB: true, k: inF, n: out, b: weights[l].data, ldb: inF, into: p)
            return p
        }
        defer { packed.forEach { $0.deallocate() } }
        let act: (kind: Int32, beta: Float, threshold: Float) = switch activation {
        case .relu: (1, 1, 0)
        case let .softplus(beta, threshold): (2, beta, threshold)
        }

        let block = RowMLP.blockRows
        (term?.index ?? []).withUnsafeBufferPointer { termIndex in
            parallelFor((n + block - 1) / block, grain: 1) { lo, hi in
                let gathered = UnsafeMutablePointer<Float>.allocate(capacity: block * width)
                let buffers = [UnsafeMutablePointer<Float>.allocate(capacity: block * maxWidth),
                               UnsafeMutablePointer<Float>.allocate(capacity: block * maxWidth)]
                defer { gathered.deallocate(); buffers.forEach { $0.deallocate() } }
                for b in lo..<hi {
                    let start = b * block, m = min(block, n - start)
                    var current: UnsafePointer<Float> = UnsafePointer(x.data + start * width)
                    if let rows {
                        for i in 0..<m { (gathered + i * width).update(from: x.data + Int(rows[start + i]) * width, count: width) }
                        current = UnsafePointer(gathered)
                    }
                    for l in 0..<layers.count {
                        let (out, inF) = (widths[l], weights[l].shape[1])
                        let isLast = l == layers.count - 1
                        let destination = isLast ? output.data + start * outWidth : buffers[l % 2]
                        if isLast && outputByDots {
                            Self.dots(current, rows: m, inWidth: inF, weight: weights[l].data, bias: biases[l]?.data, outWidth: out, into: destination)
                            break
                        }
                        BLAS.gemm(m: m, n: out, k: inF, a: current, lda: inF, prepackedB: packed[l], c: destination, ldc: out)
                        let keep = !isLast && l == layers.count - 2 ? tap.map { $0.data + start * out } : nil
                        let rowTerm = l == 0 ? term?.table.data : nil
                        nn_bias_act_rows(destination, Int64(m), Int64(out), biases[l]?.data, rowTerm, rowTerm == nil ? nil : termIndex.baseAddress! + start,
                                         keep, isLast ? 0 : act.kind, act.beta, act.threshold)
                        current = UnsafePointer(destination)
                    }
                }
            }
        }
        return (output, tap)
    }

    /// y [m, out] = x [m, in] W^T + b for a narrow output layer.
    private static func dots(_ x: UnsafePointer<Float>, rows m: Int, inWidth k: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             outWidth: Int, into y: UnsafeMutablePointer<Float>) {
        for r in 0..<m {
            let row = x + r * k
            for o in 0..<outWidth {
                let w = weight + o * k
                var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                var j = 0
                while j + 4 <= k {
                    s0 += row[j] * w[j]; s1 += row[j + 1] * w[j + 1]; s2 += row[j + 2] * w[j + 2]; s3 += row[j + 3] * w[j + 3]
                    j += 4
                }
                while j < k { s0 += row[j] * w[j]; j += 1 }
                y[r * outWidth + o] = (s0 + s1) + (s2 + s3) + (bias?[o] ?? 0)
            }
        }
    }
}
