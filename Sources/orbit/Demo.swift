import ArgumentParser
import CommandSupport
import Foundation
import Imaging
import NN
import Tensor

/// `orbit demo`: fits a small convolutional generator with self-attention to an image from a
/// fixed noise code (deep-image-prior style), with Adam and a cosine schedule, and writes the
/// result. Exercises conv, group norm, SiLU, attention, upsampling, autograd, Adam and PNG IO.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a small conv + attention network to an image (the built-in test card by default).")

    @Option(help: "Target image (PNG or JPEG); default: a built-in test card.")
    var image: String?

    @Option(help: "Where to write the fitted image (PNG).")
    var out = "out/demo.png"

    @Option(help: "Optimisation steps.")
    var steps = 200

    @Option(help: "Working resolution (square, a multiple of 8).")
    var size = 96

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    func validate() throws {
        guard size >= 16, size % 8 == 0, size <= 512 else { throw ValidationError("--size must be a multiple of 8 in 16...512") }
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
    }

    func run() throws {
        let target: Image
        if let image {
            target = try ImageIO.read(image).compositedRGB().resized(width: size, height: size, filter: .area)
        } else {
            target = TestCard.make(size: size)
        }
        let model = try TinyGenerator(WeightScope(RandomInitializer(seed: seed)), size: size)
        let code = Tensor.normal([1, 32, size / 8, size / 8], seed: seed &+ 1)
        let goal = target.tensor().unsqueezed(0)
        let opt = Adam(groups: [ParameterGroup(parameters: model.parameters, learningRate: 3e-3,
                                               schedule: CosineSchedule(steps: steps, minFactor: 0.05, warmup: 10))])
        print("orbit demo: \(model.parameterCount) parameters, \(size)x\(size), \(steps) steps, \(Parallel.threads) threads")
        let progress = ProgressLine(total: steps, label: "fit")
        var psnr: Float = 0
        for step in 1...steps {
            opt.zeroGrad()
            let loss = (model(code) - goal).pow(2).mean()
            loss.backward()
            opt.update()
            psnr = -10 * log10(max(loss.item(), 1e-10))
            progress.update(step, detail: String(format: "loss %.5f  PSNR %.2f dB", loss.item(), psnr))
        }
        progress.finish()
        let fitted = noGrad { model(code) }.squeezed(0)
        let dir = (out as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try ImageIO.write(Image(tensor: fitted), to: out)
        print(String(format: "wrote %@ (PSNR %.2f dB against the target)", out, psnr))
    }
}

/// Noise [1, 32, s/8, s/8] -> image [1, 3, s, s]: conv blocks with group norm and SiLU, one
/// self-attention layer at the lowest resolution, three nearest-neighbour 2x upsamplings.
final class TinyGenerator: Module {
    let stem: Conv2d
    let blocks: [(Conv2d, GroupNorm)]
    let attnNorm: GroupNorm
    let attn: Attention
    let head: Conv2d

    init(_ w: WeightScope, size: Int) throws {
        stem = try Conv2d(w["stem"], inChannels: 32, outChannels: 64, kernel: 3, padding: 1)
        attnNorm = try GroupNorm(w["attn_norm"], groups: 8, channels: 64)
        attn = try Attention(w["attn"], queryDim: 64, heads: 4, headDim: 16)
        blocks = try (0..<3).map { i in
            (try Conv2d(w["up.\(i).conv"], inChannels: 64, outChannels: 64, kernel: 3, padding: 1),
             try GroupNorm(w["up.\(i).norm"], groups: 8, channels: 64))
        }
        head = try Conv2d(w["head"], inChannels: 64, outChannels: 3, kernel: 3, padding: 1)
    }

    func callAsFunction(_ z: Tensor) -> Tensor {
        var h = stem(z)
        let (b, c, hh, ww) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3])
        let tokens = attnNorm(h).reshaped([b, c, hh * ww]).transposed(1, 2)       // [B, HW, C]
        h = h + attn(tokens).transposed(1, 2).reshaped([b, c, hh, ww])
        for (conv, norm) in blocks { h = norm(conv(h.upsampleNearest())).silu() }
        return head(h).sigmoid()
    }

    var namedParameters: [(String, Tensor)] {
        stem.namedParameters + attnNorm.namedParameters + attn.namedParameters
            + blocks.flatMap { $0.0.namedParameters + $0.1.namedParameters } + head.namedParameters
    }
}

/// A built-in target: colour bars, a gradient, circles and a checker, so the fit has edges,
/// smooth regions and fine detail.
enum TestCard {
    static func make(size s: Int) -> Image {
        var img = Image(width: s, height: s, channels: 3)
        let bars: [(Float, Float, Float)] = [(1, 1, 1), (1, 1, 0), (0, 1, 1), (0, 1, 0), (1, 0, 1), (1, 0, 0), (0, 0, 1), (0.1, 0.1, 0.1)]
        for y in 0..<s {
            for x in 0..<s {
                let u = Float(x) / Float(s), v = Float(y) / Float(s)
                var c: (Float, Float, Float)
                if v < 0.4 {
                    c = bars[min(7, Int(u * 8))]
                } else if v < 0.6 {
                    c = (u, u, u)
                } else {
                    let checker = ((x / max(1, s / 16)) + (y / max(1, s / 16))) % 2 == 0
                    c = checker ? (0.85, 0.85, 0.85) : (0.25, 0.3, 0.35)
                }
                let d = hypot(u - 0.5, v - 0.55)
                if abs(d - 0.25) < 0.02 { c = (0.9, 0.2, 0.1) }
                img[x, y, 0] = c.0
                img[x, y, 1] = c.1
                img[x, y, 2] = c.2
            }
        }
        return img
    }
}
