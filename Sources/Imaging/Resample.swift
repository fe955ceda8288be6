import Foundation
import Tensor

public enum ResizeFilter: Sendable {
    /// Box filter weighting each source pixel by its overlap (OpenCV INTER_AREA when shrinking).
    case area
    /// Bilinear with half-pixel centres (torch interpolate, align_corners = False; no antialias).
    case bilinear
}

extension Image {
    public func resized(width ow: Int, height oh: Int, filter: ResizeFilter = .bilinear) -> Image {
        precondition(ow > 0 && oh > 0, "resize to \(ow)x\(oh)")
        var out = Image(width: ow, height: oh, channels: channels)
        out.bitDepth = bitDepth
        switch filter {
        case .bilinear:
            let (sx, sy) = (Float(width) / Float(ow), Float(height) / Float(oh))
            for y in 0..<oh {
                let fy = max(0, (Float(y) + 0.5) * sy - 0.5)
                let y0 = min(Int(fy), height - 1), y1 = min(y0 + 1, height - 1), wy = fy - Float(y0)
                for x in 0..<ow {
                    let fx = max(0, (Float(x) + 0.5) * sx - 0.5)
                    let x0 = min(Int(fx), width - 1), x1 = min(x0 + 1, width - 1), wx = fx - Float(x0)
                    for c in 0..<channels {
                        let top = self[x0, y0, c] * (1 - wx) + self[x1, y0, c] * wx
                        let bottom = self[x0, y1, c] * (1 - wx) + self[x1, y1, c] * wx
                        out[x, y, c] = top * (1 - wy) + bottom * wy
                    }
                }
            }
        case .area:
            let wx = Image.areaWeights(from: width, to: ow), wy = Image.areaWeights(from: height, to: oh)
            var acc = [Float](repeating: 0, count: channels)
            for y in 0..<oh {
                for x in 0..<ow {
                    for c in 0..<channels { acc[c] = 0 }
                    for (sy, vy) in wy[y] {
                        for (sx, vx) in wx[x] {
                            let w = vy * vx
                            for c in 0..<channels { acc[c] += w * self[sx, sy, c] }
                        }
                    }
                    for c in 0..<channels { out[x, y, c] = acc[c] }
                }
            }
        }
        return out
    }

    /// For each output index, the source indices it covers and their normalised overlap.
    static func areaWeights(from n: Int, to m: Int) -> [[(Int, Float)]] {
        let scale = Double(n) / Double(m)
        return (0..<m).map { o in
            let lo = Double(o) * scale, hi = Double(o + 1) * scale
            var ws: [(Int, Float)] = []
            var i = Int(lo.rounded(.down))
            while Double(i) < hi && i < n {
                let overlap = min(hi, Double(i + 1)) - max(lo, Double(i))
                if overlap > 1e-12 { ws.append((i, Float(overlap / (hi - lo)))) }
                i += 1
            }
            return ws
        }
    }

    /// The rectangle [x, x+w) x [y, y+h), which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height,
                     "crop \(w)x\(h)+\(x)+\(y) outside a \(width)x\(height) image")
        var out = Image(width: w, height: h, channels: channels)
        out.bitDepth = bitDepth
        for yy in 0..<h {
            let src = ((y + yy) * width + x) * channels, dst = yy * w * channels
            for i in 0..<(w * channels) { out.pixels[dst + i] = pixels[src + i] }
        }
        return out
    }
}
