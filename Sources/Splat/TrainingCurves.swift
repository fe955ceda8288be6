import Foundation
import Imaging

/// A PNG plot of a training run: loss (red, log scale) and PSNR (blue), each scaled to the plot's
/// height, against the step; light grid lines at quarter steps.
public enum TrainingCurves {
    public static func plot(_ reports: [StepReport], width: Int = 720, height: Int = 360) -> Image {
        SeriesPlot.draw([
            .init(points: reports.map { (Float($0.step), log10(max($0.loss, 1e-8))) }, color: (0.85, 0.1, 0.1)),
            .init(points: reports.map { (Float($0.step), $0.psnr) }, color: (0.1, 0.2, 0.85)),
        ], width: width, height: height)
    }
}
