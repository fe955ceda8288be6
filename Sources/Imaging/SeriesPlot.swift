import Foundation

/// A PNG-ready line plot: each series scaled to the plot's height on its own (so curves of different
/// units share one frame), x from 0 to the largest x; light grid lines at quarters.
public enum SeriesPlot {
    public struct Series {
        public var points: [(x: Float, y: Float)]
        public var color: (Float, Float, Float)
        public init(points: [(x: Float, y: Float)], color: (Float, Float, Float)) { (self.points, self.color) = (points, color) }
    }

    public static func draw(_ series: [Series], width: Int = 720, height: Int = 360) -> Image {
        var image = Image(width: width, height: height, channels: 3, filling: 1)
        let (left, right, top, bottom): (Float, Float, Float, Float) = (40, Float(width) - 20, 20, Float(height) - 30)
        for q in 0...4 {
            let x = left + (right - left) * Float(q) / 4, y = top + (bottom - top) * Float(q) / 4
            image.drawLine(x0: x, y0: top, x1: x, y1: bottom, color: (0.88, 0.88, 0.88))
            image.drawLine(x0: left, y0: y, x1: right, y1: y, color: (0.88, 0.88, 0.88))
        }
        image.drawRectangle(x: left, y: top, width: right - left, height: bottom - top, color: (0.3, 0.3, 0.3), thickness: 1)
        let xMax = series.flatMap { $0.points.map(\.x) }.max() ?? 0
        guard xMax > 0 else { return image }
        for s in series {
            let finite = s.points.filter { $0.y.isFinite }
            guard finite.count >= 2, let lo = finite.map(\.y).min(), let hi = finite.map(\.y).max() else { continue }
            let span = max(hi - lo, 1e-6)
            var previous: (Float, Float)?
            for p in finite {
                let point = (left + (right - left) * p.x / xMax, bottom - (bottom - top) * (p.y - lo) / span)
                if let q = previous { image.drawLine(x0: q.0, y0: q.1, x1: point.0, y1: point.1, color: s.color) }
                previous = point
            }
        }
        return image
    }
}
