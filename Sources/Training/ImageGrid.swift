import Foundation
import Imaging
import Tensor

/// Contact sheets and per-image metrics for images held as [N, 3, H, W] tensors in [-1, 1].
public enum ImageGrid {
    /// Mean over the N images of each image's PSNR (dB) on [0, 1] values.
    public static func meanPSNR(_ a: Tensor, _ b: Tensor) -> Float {
        let n = a.shape[0]
        let total = (0..<n).reduce(0.0) { sum, i in
            sum + ImageMetrics.psnr((a.slice(axis: 0, i..<(i + 1)) + 1) * 0.5, (b.slice(axis: 0, i..<(i + 1)) + 1) * 0.5)
        }
        return Float(total / Double(n))
    }

    /// One row of the sheet per tensor (each [N, 3, H, W], all the same shape), 2-pixel gaps on white.
    public static func sheet(rows: [Tensor]) -> Image {
        let (n, h, w) = (rows[0].shape[0], rows[0].shape[2], rows[0].shape[3])
        let gap = 2
        var sheet = Image(width: n * (w + gap) - gap, height: rows.count * (h + gap) - gap, channels: 3, filling: 1)
        for (r, row) in rows.enumerated() {
            precondition(row.shape == rows[0].shape, "sheet rows must share a shape: \(row.shape) vs \(rows[0].shape)")
            for i in 0..<n {
                let tile = Image(tensor: (row.slice(axis: 0, i..<(i + 1)).reshaped([3, h, w]) + 1) * 0.5)
                for y in 0..<h {
                    for x in 0..<w {
                        for c in 0..<3 { sheet[i * (w + gap) + x, r * (h + gap) + y, c] = tile[x, y, c] }
                    }
                }
            }
        }
        return sheet
    }
}
