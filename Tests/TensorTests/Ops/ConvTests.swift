import Tensor
import TestSupport
import XCTest

final class ConvTests: XCTestCase {
    func testConv2dMatchesTorch() throws {
        try checkParity("conv2d_s1p1", inputs: 3) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
        try checkParity("conv2d_s2p1", inputs: 3) { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1)) }
        try checkParity("conv2d_1x1", inputs: 3) { $0[0].conv2d(weight: $0[1], bias: $0[2]) }
        try checkParity("conv2d_k4s2p1", inputs: 2) { $0[0].conv2d(weight: $0[1], stride: (2, 2), padding: (1, 1)) }
    }

    func testWinogradPathMatchesTorch() throws {
        ConvolutionPolicy.winograd = .always
        defer { ConvolutionPolicy.winograd = .auto }
        try checkParity("conv2d_wino_p1", inputs: 3) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
        try checkParity("conv2d_wino_p0_n1", inputs: 2) { $0[0].conv2d(weight: $0[1]) }
    }

    func testWinogradPathGradients() {
        ConvolutionPolicy.winograd = .always
        defer { ConvolutionPolicy.winograd = .auto }
        let x = param([2, 16, 5, 7], seed: 12), w = param([16, 16, 3, 3], seed: 13, std: 0.2), b = param([16], seed: 14)
        checkGradients([x, w, b], "winograd conv, padding 1") { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
        let x1 = param([1, 16, 6, 5], seed: 15)
        checkGradients([x1, w], "winograd conv, one image, padding 0") { $0[0].conv2d(weight: $0[1]) }
    }

    func testWinogradAgreesWithTheDirectPathIncludingThreeInputChannels() {
        // C = 3 and one image: the cases `auto` leaves to implicit GEMM, forced through Winograd.
        let x = Tensor.normal([1, 3, 13, 10], seed: 16), w = Tensor.normal([5, 3, 3, 3], seed: 17), b = Tensor.normal([5], seed: 18)
        ConvolutionPolicy.winograd = .never
        let direct = x.conv2d(weight: w, bias: b, padding: (1, 1))
        ConvolutionPolicy.winograd = .always
        defer { ConvolutionPolicy.winograd = .auto }
        assertClose(x.conv2d(weight: w, bias: b, padding: (1, 1)), direct, rtol: 1e-5)
    }

    func testGroupedAndDepthwiseConvMatchTorch() throws {
        try checkParity("conv2d_depthwise_s1", inputs: 3) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1), groups: 6) }
        try checkParity("conv2d_depthwise_s2_mult2", inputs: 2) { $0[0].conv2d(weight: $0[1], stride: (2, 2), padding: (1, 1), groups: 4) }
        try checkParity("conv2d_groups2", inputs: 3) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1), groups: 2) }
    }

    func testDepthwiseGradients() {
        let x = param([2, 3, 6, 7], seed: 20), w = param([6, 1, 3, 3], seed: 21), b = param([6], seed: 22)
        checkGradients([x, w, b], "depthwise, multiplier 2") { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1), groups: 3) }
        let w5 = param([3, 1, 5, 5], seed: 23)
        checkGradients([x, w5], "depthwise 5x5 stride 2") { $0[0].conv2d(weight: $0[1], stride: (2, 2), padding: (2, 2), groups: 3) }
    }

    func testTemporalConvMatchesTorchConv3d() throws {
        try checkParity("temporal_conv", inputs: 3) { $0[0].temporalConv(weight: $0[1], bias: $0[2]) }
    }

    func testConv2dGradients() {
        let x = param([2, 3, 6, 5], seed: 1), w = param([4, 3, 3, 3], seed: 2, std: 0.3), b = param([4], seed: 3)
        checkGradients([x, w, b], "conv2d 3x3 s1 p1") { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
        checkGradients([x, w], "conv2d 3x3 s2 p1") { $0[0].conv2d(weight: $0[1], stride: (2, 2), padding: (1, 1)) }
        let w1 = param([5, 3, 1, 1], seed: 4)
        checkGradients([x, w1], "conv2d 1x1") { $0[0].conv2d(weight: $0[1]) }
        // One image goes through the split-GEMM path instead of the per-image one.
        let x1 = param([1, 3, 7, 7], seed: 5)
        checkGradients([x1, w, b], "conv2d single image") { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1)) }
    }

    func testTemporalConvGradients() {
        let x = param([2, 3, 4, 2, 3], seed: 6), w = param([2, 3, 3, 1, 1], seed: 7, std: 0.5), b = param([2], seed: 8)
        checkGradients([x, w, b], "temporal conv") { $0[0].temporalConv(weight: $0[1], bias: $0[2]) }
        // One frame: only the centre tap sees data.
        let x1 = param([1, 3, 1, 2, 2], seed: 9)
        checkGradients([x1, w], "temporal conv, one frame") { $0[0].temporalConv(weight: $0[1]) }
    }

    func testTemporalConvWithOneFrameEqualsCentreTapLinear() {
        let x = Tensor.normal([1, 3, 1, 2, 2], seed: 10), w = Tensor.normal([2, 3, 3, 1, 1], seed: 11)
        let centre = w.slice(axis: 2, 1..<2).reshaped([2, 3, 1, 1])
        let direct = x.reshaped([1, 3, 2, 2]).conv2d(weight: centre)
        assertClose(x.temporalConv(weight: w).reshaped([1, 2, 2, 2]), direct, rtol: 1e-6)
    }
}
