import NN
import Tensor
import TestSupport
import XCTest

final class LayersTests: XCTestCase {
    let random = WeightScope(RandomInitializer(seed: 3))

    func testAttentionLayerEqualsManualHeadSplit() throws {
        let attn = try Attention(random["attn"], queryDim: 12, contextDim: 6, heads: 3, headDim: 4)
        let x = Tensor.normal([2, 5, 12], seed: 1), ctx = Tensor.normal([2, 7, 6], seed: 2)
        let out = attn(x, context: ctx)
        XCTAssertEqual(out.shape, [2, 5, 12])
        // Head 1 by hand: columns 4..<8 of the projections.
        let q = attn.toQ(x).slice(axis: 2, 4..<8), k = attn.toK(ctx).slice(axis: 2, 4..<8), v = attn.toV(ctx).slice(axis: 2, 4..<8)
        let head = (q.matmul(k.transposed(1, 2)) * 0.5).softmax().matmul(v)  // 1/sqrt(4)
        let mixed = Tensor.attention(q: attn.toQ(x).reshaped([2, 5, 3, 4]).permuted([0, 2, 1, 3]),
                                     k: attn.toK(ctx).reshaped([2, 7, 3, 4]).permuted([0, 2, 1, 3]),
                                     v: attn.toV(ctx).reshaped([2, 7, 3, 4]).permuted([0, 2, 1, 3]))
        assertClose(mixed.slice(axis: 1, 1..<2).reshaped([2, 5, 4]), head, rtol: 1e-5)
        XCTAssertEqual(attn.namedParameters.map(\.0), ["attn.to_q.weight", "attn.to_k.weight", "attn.to_v.weight",
                                                      "attn.to_out.0.weight", "attn.to_out.0.bias"])
    }

    func testLayerGradientsReachParameters() throws {
        let conv = try Conv2d(random["c"], inChannels: 2, outChannels: 4, kernel: 3, padding: 1)
        let norm = try GroupNorm(random["n"], groups: 2, channels: 4)
        let temporal = try TemporalConv(random["t"], inChannels: 4, outChannels: 4)
        let geglu = try GEGLU(random["ff"], dimIn: 4, dimOut: 3)
        let x = Tensor.normal([2, 2, 4, 4], seed: 4)
        let h = norm(conv(x)).silu()                                      // [2, 4, 4, 4]
        let f = temporal(h.reshaped([1, 2, 4, 4, 4]).permuted([0, 2, 1, 3, 4]))  // frames = batch
        let y = geglu(f.permuted([0, 2, 3, 4, 1]).reshaped([-1, 4]))
        y.pow(2).mean().backward()
        for m in [conv, norm, temporal, geglu] as [Module] {
            for (name, p) in m.namedParameters {
                XCTAssertNotNil(p.grad, "\(name) got no gradient")
                XCTAssertGreaterThan(p.grad!.abs().sum().item(), 0, name)
            }
        }
    }
}
