import Foundation

/// An extra image loss the trainer adds to the photometric one (the seed paper's LPIPS term, Eq. 6),
/// computed by a network outside this module: `evaluate(rendered, target, width, height)` takes
/// [h, w, 3] images in [0, 1] and returns the loss and its gradient with respect to `rendered`. To
/// bound its cost it runs every `every` steps on a random `crop` x `crop` square (0: whole image).
public struct PerceptualTerm {
    public var weight: Float
    public var every: Int
    public var crop: Int
    /// The smallest side the network accepts: steps on smaller views (the low-resolution part of a
    /// run, `TrainingConfig.lowResolutionShare`) go without the term.
    public var minimumSide: Int
    public var evaluate: (_ rendered: [Float], _ target: [Float], _ width: Int, _ height: Int) -> (loss: Float, gradient: [Float])

    public init(weight: Float, every: Int = 1, crop: Int = 0, minimumSide: Int = 1,
                evaluate: @escaping ([Float], [Float], Int, Int) -> (loss: Float, gradient: [Float])) {
        (self.weight, self.every, self.crop, self.minimumSide, self.evaluate) = (weight, max(1, every), crop, minimumSide, evaluate)
    }

    /// Whether the term runs at step `step` on a `width` x `height` view.
    public func applies(atStep step: Int, width: Int, height: Int) -> Bool {
        weight > 0 && step % every == 0 && min(width, height) >= minimumSide
    }

    /// Evaluates the term on the crop at (x0, y0) and adds weight x its gradient into `gradient`
    /// ([height, width, 3]); returns weight x loss.
    public func apply(rendered: [Float], target: [Float], width: Int, height: Int, x0: Int, y0: Int,
                      into gradient: inout [Float]) -> Float {
        let (cw, ch) = crop > 0 ? (min(crop, width), min(crop, height)) : (width, height)
        func cut(_ image: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: cw * ch * 3)
            for y in 0..<ch { for x in 0..<(cw * 3) { out[y * cw * 3 + x] = image[((y0 + y) * width + x0) * 3 + x] } }
            return out
        }
        let (loss, g) = evaluate(cut(rendered), cut(target), cw, ch)
        for y in 0..<ch { for x in 0..<(cw * 3) { gradient[((y0 + y) * width + x0) * 3 + x] += weight * g[y * cw * 3 + x] } }
        return weight * loss
    }
}
