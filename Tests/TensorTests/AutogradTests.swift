import Foundation
import Tensor
import TestSupport
import XCTest

final class AutogradTests: XCTestCase {
    func testSharedSubexpressionAccumulatesGradient() {
        let x = Tensor([2, 3], shape: [2]).requiringGrad()
        let y = x * x + x  // dy/dx = 2x + 1
        y.sum().backward()
        XCTAssertEqual(x.grad?.toArray(), [5, 7])
    }

    func testGradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        let x = Tensor([1, 2], shape: [2]).requiringGrad()
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.toArray(), [6, 6])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testConstantsGetNoGradientAndRecordNothing() {
        let x = Tensor([1, 2], shape: [2]).requiringGrad()
        let c = Tensor([5, 7], shape: [2])
        let y = x * c
        XCTAssertTrue(y.requiresGrad)
        XCTAssertFalse((c * 2).requiresGrad)
        y.sum().backward()
        XCTAssertNil(c.grad)
        XCTAssertEqual(x.grad?.toArray(), [5, 7])
    }

    func testNoGradRecordsNothing() {
        let x = Tensor([1, 2], shape: [2]).requiringGrad()
        let y = noGrad { (x * x).exp() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.isLeaf)
        XCTAssertTrue((x * 2).requiresGrad, "recording resumes after noGrad")
    }

    func testDetachedStopsGradient() {
        let x = Tensor([3], shape: [1]).requiringGrad()
        let y = x * x.detached()  // d/dx = x (detached factor is a constant)
        y.sum().backward()
        XCTAssertEqual(x.grad?.toArray(), [3])
    }

    func testDeepChainBackward() {
        // 2000 chained ops: the iterative topological sort must not overflow the stack.
        let x = Tensor([1], shape: [1]).requiringGrad()
        var y = x
        for _ in 0..<2000 { y = y * 1.0001 }
        y.sum().backward()
        XCTAssertEqual(x.grad!.item(), Float(Foundation.pow(1.0001, 2000.0)), accuracy: 1e-3)
    }

    /// Graphs must be freed with their last tensor: a backward closure that captured its own
    /// output (out -> node -> closure -> out) leaked every activation (LPIPS grew 55 MB a call).
    func testGraphsAreFreedWithTheirOutputs() {
        let x = Tensor.normal([2, 3, 4, 4], seed: 1).requiringGrad()
        let w = Tensor.normal([3, 3, 3, 3], seed: 2).requiringGrad()
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("exp", { $0.exp() }), ("sqrt", { ($0 * $0 + 1).sqrt() }), ("relu", { $0.relu() }),
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("div", { 1 / ($0 * $0 + 1) }),
            ("softmax", { $0.softmax() }), ("gelu", { $0.gelu() }), ("silu", { $0.silu() }),
            ("conv", { $0.conv2d(weight: w, padding: (1, 1)) }), ("group norm", { $0.groupNorm(groups: 3) }),
            ("attention", { t in let q = t.reshaped([2, 3, 16]); return Tensor.attention(q: q, k: q, v: q) }),
            ("max pool", { $0.maxPool2d(kernel: 2) }), ("permute", { $0.permuted([0, 2, 3, 1]).contiguous() }),
        ]
        for (name, op) in ops {
            for runBackward in [false, true] {
                weak var weakOut: Tensor?
                do {
                    let y = op(x)
                    weakOut = y
                    if runBackward { y.sum().backward() }
                }
                XCTAssertNil(weakOut, "\(name)\(runBackward ? " after backward" : ""): the output outlived its last reference")
            }
        }
    }
}
