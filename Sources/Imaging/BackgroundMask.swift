import Foundation

/// A plain background found by flood fill from the image border: the pixels connected to the border
/// whose colour stays within `tolerance` (RGB Euclidean distance, 0...1 samples) of the border's
/// median colour. A heuristic for studio-like portraits and for generated views on white; it
/// reports how much of the border matched so callers can leave busy backgrounds alone.
public struct BackgroundMask: Sendable {
    /// true where the pixel is background; row-major, width x height.
    public let isBackground: [Bool]
    /// The border's median colour.
    public let colour: (Float, Float, Float)
    /// Fraction of border pixels within tolerance of that colour: near 1 for a plain backdrop.
    public let borderAgreement: Float
    /// The image the mask was found on: RGB, any alpha composited over white.
    public let rgb: Image

    public init(of image: Image, tolerance: Float = 0.1) {
        let rgb = image.compositedRGB()
        let (w, h) = (rgb.width, rgb.height)
        var border: [Int] = []
        for x in 0..<w { border.append(x); if h > 1 { border.append((h - 1) * w + x) } }
        for y in 1..<max(h - 1, 1) { border.append(y * w); if w > 1 { border.append(y * w + w - 1) } }
        func median(_ c: Int) -> Float {
            let values = border.map { rgb.pixels[$0 * 3 + c] }.sorted()
            return values[values.count / 2]
        }
        let reference = (median(0), median(1), median(2))
        func matches(_ i: Int) -> Bool {
            let (r, g, b) = (rgb.pixels[i * 3] - reference.0, rgb.pixels[i * 3 + 1] - reference.1, rgb.pixels[i * 3 + 2] - reference.2)
            return r * r + g * g + b * b <= tolerance * tolerance
        }
        var mask = [Bool](repeating: false, count: w * h)
        var stack = border.filter(matches)
        for i in stack { mask[i] = true }
        while let i = stack.popLast() {
            let (x, y) = (i % w, i / w)
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < w && ny < h {
                let j = ny * w + nx
                if !mask[j] && matches(j) { mask[j] = true; stack.append(j) }
            }
        }
        isBackground = mask
        self.rgb = rgb
        colour = reference
        borderAgreement = Float(border.filter(matches).count) / Float(max(border.count, 1))
    }

    /// RGB with the background replaced by `fill`.
    public func filled(with fill: (Float, Float, Float) = (1, 1, 1)) -> Image {
        var rgb = self.rgb
        for (i, background) in isBackground.enumerated() where background {
            (rgb.pixels[i * 3], rgb.pixels[i * 3 + 1], rgb.pixels[i * 3 + 2]) = fill
        }
        return rgb
    }

    /// RGBA whose alpha is 0 on the background and 1 elsewhere.
    public func withAlpha() -> Image {
        var out = Image(width: rgb.width, height: rgb.height, channels: 4)
        for i in 0..<(rgb.width * rgb.height) {
            for c in 0..<3 { out.pixels[i * 4 + c] = rgb.pixels[i * 3 + c] }
            out.pixels[i * 4 + 3] = isBackground[i] ? 0 : 1
        }
        return out
    }
}
