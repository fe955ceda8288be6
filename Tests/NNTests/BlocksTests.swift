import NN
import Tensor
import TestSupport
import XCTest

final class BlocksTests: XCTestCase {
    func testResnetBlockWithTimeEmbeddingGradients() throws {
        let block = try ResnetBlock2D(WeightScope(RandomInitializer(seed: 1))["r"], inChannels: 4, outChannels: 6, groups: 2, eps: 1e-6, timeChannels: 5)
        XCTAssertTrue(block.namedParameters.map(\.0).contains("r.time_emb_proj.weight"))
        XCTAssertTrue(block.namedParameters.map(\.0).contains("r.conv_shortcut.weight"))
        let x = param([2, 4, 5, 5], seed: 2), temb = param([2, 5], seed: 3)
        checkGradients([x, temb], "resnet block with temb", samples: 12) { block($0[0], temb: $0[1]) }
        // The time embedding enters as a per-channel shift before norm2: different temb, different output.
        let a = noGrad { block(x, temb: temb) }, b = noGrad { block(x, temb: temb * 2) }
        XCTAssertGreaterThan(maxAbsDiff(a, b), 1e-3)
    }

    func testDownsamplePadsRightAndBottomOnly() throws {
        let down = try Downsample2D(WeightScope(RandomInitializer(seed: 4))["d"], channels: 2)
        let x = Tensor.normal([1, 2, 6, 7], seed: 5)
        XCTAssertEqual(down(x).shape, [1, 2, 3, 3])  // 6x7 -> padded 7x8 -> (7-3)/2+1, (8-3)/2+1
        // Equal to the plain conv on the explicitly padded input.
        let manual = x.padded2d(top: 0, bottom: 1, left: 0, right: 1).conv2d(weight: down.namedParameters[0].1, bias: down.namedParameters[1].1, stride: (2, 2))
        assertClose(down(x), manual, rtol: 0, atol: 0)
    }
}
