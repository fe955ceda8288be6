import Foundation
import NN
import Tensor

/// LPIPS v0.1 (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features as a Perceptual
/// Metric"): inputs in [-1, 1] are shifted and scaled per channel, passed through an ImageNet
/// backbone (AlexNet or VGG16), and at five ReLU taps the channel-normalised features are
/// differenced, squared, weighted by a learned 1x1 head and averaged over space; the five terms
/// sum to the distance. Keys are the `lpips` PyTorch package's (Tools/convert/lpips_weights.py).
public final class LPIPS: Module {
    public enum Backbone: String, Sendable, CaseIterable {
        case alex, vgg
        var file: String { "lpips_\(rawValue).safetensors" }
    }

    /// One backbone convolution: its key, shape, and whether a max pool precedes it and a tap follows.
    struct Layer {
        let key: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
        let poolBefore: Bool, tap: Bool
    }

    static func layers(_ backbone: Backbone) -> [Layer] {
        switch backbone {
        case .alex:  // torchvision alexnet().features indices 0, 3, 6, 8, 10; MaxPool2d(3, 2)
            return [Layer(key: "net.slice1.0", inChannels: 3, outChannels: 64, kernel: 11, stride: 4, padding: 2, poolBefore: false, tap: true),
                    Layer(key: "net.slice2.3", inChannels: 64, outChannels: 192, kernel: 5, stride: 1, padding: 2, poolBefore: true, tap: true),
                    Layer(key: "net.slice3.6", inChannels: 192, outChannels: 384, kernel: 3, stride: 1, padding: 1, poolBefore: true, tap: true),
                    Layer(key: "net.slice4.8", inChannels: 384, outChannels: 256, kernel: 3, stride: 1, padding: 1, poolBefore: false, tap: true),
                    Layer(key: "net.slice5.10", inChannels: 256, outChannels: 256, kernel: 3, stride: 1, padding: 1, poolBefore: false, tap: true)]
        case .vgg:  // torchvision vgg16().features; taps relu1_2, relu2_2, relu3_3, relu4_3, relu5_3; MaxPool2d(2, 2)
            let spec: [(String, Int, Int, Bool, Bool)] = [
                ("net.slice1.0", 3, 64, false, false), ("net.slice1.2", 64, 64, false, true),
                ("net.slice2.5", 64, 128, true, false), ("net.slice2.7", 128, 128, false, true),
                ("net.slice3.10", 128, 256, true, false), ("net.slice3.12", 256, 256, false, false), ("net.slice3.14", 256, 256, false, true),
                ("net.slice4.17", 256, 512, true, false), ("net.slice4.19", 512, 512, false, false), ("net.slice4.21", 512, 512, false, true),
                ("net.slice5.24", 512, 512, true, false), ("net.slice5.26", 512, 512, false, false), ("net.slice5.28", 512, 512, false, true)]
            return spec.map { Layer(key: $0.0, inChannels: $0.1, outChannels: $0.2, kernel: 3, stride: 1, padding: 1, poolBefore: $0.3, tap: $0.4) }
        }
    }

    public let backbone: Backbone
    let convs: [(Layer, Conv2d)]
    /// The five linear heads, [1, C, 1, 1] without bias.
    let heads: [(String, Tensor)]
    static let shift = Tensor([-0.030, -0.088, -0.188], shape: [1, 3, 1, 1])
    static let scale = Tensor([0.458, 0.448, 0.450], shape: [1, 3, 1, 1])

    public init(_ w: WeightScope, backbone: Backbone) throws {
        self.backbone = backbone
        let layers = LPIPS.layers(backbone)
        convs = try layers.map { l in
            (l, try Conv2d(w[l.key], inChannels: l.inChannels, outChannels: l.outChannels, kernel: l.kernel,
                           stride: l.stride, padding: l.padding))
        }
        let tapChannels = layers.filter(\.tap).map(\.outChannels)
        heads = try tapChannels.enumerated().map { k, c in
            let key = "lin\(k).model.1.weight"
            return (w.key(key), try w.load(key, shape: [1, c, 1, 1], initializer: .fanIn(c)))
        }
    }

    /// The converted weights from the WeightStore (Tools/convert/lpips_weights.py), loaded strictly and
    /// frozen (a metric: gradients flow to the images only).
    public static func pretrained(_ backbone: Backbone) throws -> LPIPS {
        try WeightStore.load(backbone.file, convertWith: "Tools/convert/lpips_weights.py") { try LPIPS($0, backbone: backbone) }.frozen()
    }

    /// The five tapped activations of x [N, 3, H, W] in [-1, 1].
    public func features(_ x: Tensor) -> [Tensor] {
        var h = (x - LPIPS.shift) / LPIPS.scale
        var taps: [Tensor] = []
        for (layer, conv) in convs {
            if layer.poolBefore { h = backbone == .alex ? h.maxPool2d(kernel: 3, stride: 2) : h.maxPool2d(kernel: 2) }
            h = conv(h).relu()
            if layer.tap { taps.append(h) }
        }
        return taps
    }

    /// The smallest image side both backbones accept (AlexNet's stride-4 stem and two 3x3 max pools
    /// need 31 pixels).
    public static let minimumSide = 32

    /// Distances [N] between x0 and x1, [N, 3, H, W] in [-1, 1]; differentiable in both.
    public func callAsFunction(_ x0: Tensor, _ x1: Tensor) -> Tensor {
        precondition(x0.shape == x1.shape && x0.rank == 4 && x0.shape[1] == 3, "LPIPS needs two [N, 3, H, W] images, got \(x0.shape) and \(x1.shape)")
        precondition(min(x0.shape[2], x0.shape[3]) >= LPIPS.minimumSide, "LPIPS needs images of at least \(LPIPS.minimumSide) px, got \(x0.shape)")
        let n = x0.shape[0]
        // Both images through the backbone as one batch (whole images per core instead of split
        // layers) unless only one needs a gradient: a batch would back-propagate into the other too.
        let pairs: [(Tensor, Tensor)]
        if x0.requiresGrad == x1.requiresGrad {
            pairs = features(Tensor.concat([x0, x1], axis: 0)).map { f in
                let halves = f.split(sizes: [n, n], axis: 0)
                return (halves[0], halves[1])
            }
        } else {
            pairs = Array(zip(features(x0), features(x1)))
        }
        var total: Tensor?
        for (k, (a, b)) in pairs.enumerated() {
            let term = LPIPS.tapDistance(a, b, head: heads[k].1)
            total = total.map { $0 + term } ?? term
        }
        return total!
    }

    public var namedParameters: [(String, Tensor)] { convs.flatMap { $0.1.namedParameters } + heads }
}
