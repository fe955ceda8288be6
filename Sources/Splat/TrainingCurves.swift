import Foundation
import Imaging

/// A PNG plot of a training run: loss (red, log scale) and PSNR (blue), each scaled to the plot's
/// height, against the step; light grid lines at quarter steps.
public enum TrainingCurves {
    public static func plot(_ reports: [StepReport], width: Int = 720, height: Int = 360) -> Image {
        var image = Image(width: width, height: height, channels: 3, filling: 1)
        let (left, right, top, bottom): (Float, Float, Float, Float) = (40, Float(width) - 20, 20, Float(height) - 30)
        for q in 0...4 {
            let x = left + (right - left) * Float(q) / 4, y = top + (bottom - top) * Float(q) / 4
            image.drawLine(x0: x, y0: top, x1: x, y1: bottom, color: (0.88, 0.88, 0.88))
            image.drawLine(x0: left, y0: y, x1: right, y1: y, color: (0.88, 0.88, 0.88))
        }
        image.drawRectangle(x: left, y: top, width: right - left, height: bottom - top, color: (0.3, 0.3, 0.3), thickness: 1)
        guard reports.count >= 2, let lastStep = reports.last?.step, lastStep > 0 else { return image }
        func series(_ values: [Float], _ color: (Float, Float, Float)) {
            let finite = values.filter(\.isFinite)
            guard let lo = finite.min(), let hi = finite.max() else { return }
            let span = max(hi - lo, 1e-6)
            var previous: (Float, Float)?
            for (r, v) in zip(reports, values) where v.isFinite {
                let point = (left + (right - left) * Float(r.step) / Float(lastStep), bottom - (bottom - top) * (v - lo) / span)
                if let p = previous { image.drawLine(x0: p.0, y0: p.1, x1: point.0, y1: point.1, color: color) }
                previous = point
            }
        }
        series(reports.map { log10(max($0.loss, 1e-8)) }, (0.85, 0.1, 0.1))
        series(reports.map(\.psnr), (0.1, 0.2, 0.85))
        return image
    }
}
