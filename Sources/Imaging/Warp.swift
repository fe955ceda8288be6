import Foundation
import Tensor

/// A 2-D affine map p' = A p + t as the 2x3 matrix [[a, b, tx], [c, d, ty]] (OpenCV's warpAffine
/// convention: it maps source pixel coordinates to destination ones).
public struct AffineTransform: Equatable, Sendable {
    public var a, b, tx, c, d, ty: Float

    public init(a: Float, b: Float, tx: Float, c: Float, d: Float, ty: Float) {
        (self.a, self.b, self.tx, self.c, self.d, self.ty) = (a, b, tx, c, d, ty)
    }

    public static let identity = AffineTransform(a: 1, b: 0, tx: 0, c: 0, d: 1, ty: 0)

    public func apply(_ x: Float, _ y: Float) -> (Float, Float) { (a * x + b * y + tx, c * x + d * y + ty) }

    public var inverse: AffineTransform {
        let det = a * d - b * c
        precondition(det != 0, "singular affine transform")
        let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det)
        return AffineTransform(a: ia, b: ib, tx: -(ia * tx + ib * ty), c: ic, d: id, ty: -(ic * tx + id * ty))
    }
}

extension Tensor {
    /// Warps an image x [C, H, W] (or [N, C, H, W]) by `transform` (source -> destination) into
    /// [.., outHeight, outWidth] with bilinear sampling; outside the source reads `border`.
    /// Differentiable with respect to the image: the backward scatters each output gradient to
    /// its four source pixels with the same weights.
    public func affineWarp(_ transform: AffineTransform, outWidth: Int, outHeight: Int, border: Float = 0) -> Tensor {
        precondition(rank == 3 || rank == 4, "affineWarp expects [C, H, W] or [N, C, H, W], got \(shape)")
        let (h, w) = (shape[rank - 2], shape[rank - 1])
        let planes = count / (h * w)
        let inv = transform.inverse
        // Per output pixel: 4 source indices (-1 = outside) and weights; pixel centres at integers,
        // as cv2.warpAffine samples.
        var idx = [Int32](repeating: -1, count: outWidth * outHeight * 4)
        var wts = [Float](repeating: 0, count: outWidth * outHeight * 4)
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                let (sx, sy) = inv.apply(Float(ox), Float(oy))
                let x0 = Int(Foundation.floor(sx)), y0 = Int(Foundation.floor(sy))
                let fx = sx - Float(x0), fy = sy - Float(y0)
                let o = (oy * outWidth + ox) * 4
                let corners = [(x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)),
                               (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)]
                for (k, (cx, cy, wt)) in corners.enumerated() {
                    wts[o + k] = wt
                    if cx >= 0 && cx < w && cy >= 0 && cy < h { idx[o + k] = Int32(cy * w + cx) }
                }
            }
        }
        let x = contiguous()
        var outShape = shape
        outShape[rank - 2] = outHeight
        outShape[rank - 1] = outWidth
        let out = Tensor.uninitialized(outShape)
        let (px, po, npix) = (x.data, out.data, outWidth * outHeight)
        for p in 0..<planes {
            for i in 0..<npix {
                var v: Float = 0
                for k in 0..<4 {
                    let j = idx[i * 4 + k]
                    v += wts[i * 4 + k] * (j >= 0 ? px[p * h * w + Int(j)] : border)
                }
                po[p * npix + i] = v
            }
        }
        let inShape = shape
        return Tensor.record(out, inputs: [self]) { g in
            let gc = g.contiguous()
            let dx = Tensor(zeros: inShape)
            let (pg, pd) = (gc.data, dx.data)
            for p in 0..<planes {
                for i in 0..<npix {
                    for k in 0..<4 {
                        let j = idx[i * 4 + k]
                        if j >= 0 { pd[p * h * w + Int(j)] += wts[i * 4 + k] * pg[p * npix + i] }
                    }
                }
            }
            return [dx]
        }
    }
}

extension Image {
    /// Affine warp of the image (source -> destination transform), bilinear, border colour fill.
    public func warped(_ transform: AffineTransform, width ow: Int, height oh: Int, border: Float = 0) -> Image {
        let out = tensor().affineWarp(transform, outWidth: ow, outHeight: oh, border: border)
        var img = Image(tensor: out, bitDepth: bitDepth)
        img.bitDepth = bitDepth
        return img
    }
}
