import Foundation
import Imaging
import Tensor

/// A triangle mesh with per-vertex attributes (colours, normals, UVs: `channels` floats each).
public struct Mesh: Sendable {
    /// [N, 3] world positions.
    public var positions: [Float]
    /// [M, 3] vertex indices, counter-clockwise seen from outside.
    public var triangles: [Int32]
    /// [N, channels] attributes interpolated across each triangle.
    public var attributes: [Float]
    public var channels: Int

    public init(positions: [Float], triangles: [Int32], attributes: [Float], channels: Int) {
        precondition(positions.count % 3 == 0 && triangles.count % 3 == 0, "positions [N, 3], triangles [M, 3]")
        precondition(attributes.count == positions.count / 3 * channels, "attributes must be [N, \(channels)]")
        (self.positions, self.triangles, self.attributes, self.channels) = (positions, triangles, attributes, channels)
    }

    public var vertexCount: Int { positions.count / 3 }
    public var triangleCount: Int { triangles.count / 3 }
}

/// What a rasterised view holds per pixel: the average of the covered samples' attributes, the
/// coverage (the fraction of the pixel's samples a triangle covers: an antialiased alpha) and the
/// nearest depth.
public struct RasterizedView: Sendable {
    public let width: Int, height: Int, channels: Int
    /// [H, W, channels], averaged over covered samples (0 where nothing is covered).
    public let attributes: [Float]
    /// [H, W] in [0, 1].
    public let coverage: [Float]
    /// [H, W] camera-space depth of the nearest covered sample (infinity where none).
    public let depth: [Float]

    /// RGBA image of the first three channels over coverage.
    public func image() -> Image {
        precondition(channels >= 3, "an image needs three channels")
        var out = Image(width: width, height: height, channels: 4)
        for p in 0..<(width * height) {
            for c in 0..<3 { out.pixels[p * 4 + c] = attributes[p * channels + c] }
            out.pixels[p * 4 + 3] = coverage[p]
        }
        return out
    }
}

/// A z-buffer triangle rasteriser: each pixel is sampled on a `supersampling` x `supersampling`
/// grid, a sample takes the nearest triangle whose edge functions contain it (top-left fill rule, so
/// shared edges are drawn once), attributes are interpolated perspective-correctly (barycentrics
/// divided by depth), and samples are averaged per pixel. Triangles with a vertex behind the near
/// plane are skipped. Rows of pixels are split over the cores; the result does not depend on it.
public enum TriangleRasterizer {
    public static func render(_ mesh: Mesh, camera: Camera, supersampling: Int = 2, nearPlane: Float = 0.01) -> RasterizedView {
        let (w, h, s, ch) = (camera.width, camera.height, max(1, supersampling), mesh.channels)
        // Vertices in sample coordinates (x right, y down) with their camera-space depth.
        let n = mesh.vertexCount
        var sx = [Float](repeating: 0, count: n), sy = [Float](repeating: 0, count: n), sz = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let c = camera.toCamera(SIMD3(mesh.positions[3 * i], mesh.positions[3 * i + 1], mesh.positions[3 * i + 2]))
            sz[i] = c.z
            sx[i] = (camera.fx * c.x / c.z + camera.cx) * Float(s)
            sy[i] = (camera.fy * c.y / c.z + camera.cy) * Float(s)
        }
        var attributes = [Float](repeating: 0, count: w * h * ch), coverage = [Float](repeating: 0, count: w * h)
        var depth = [Float](repeating: .infinity, count: w * h)
        attributes.withUnsafeMutableBufferPointer { at in coverage.withUnsafeMutableBufferPointer { cv in depth.withUnsafeMutableBufferPointer { dp in
            let (pat, pcv, pdp) = (at.baseAddress!, cv.baseAddress!, dp.baseAddress!)
            parallelFor(h, chunk: 8) { rowBegin, rowEnd in
                // This band's samples: depth and attributes, then averaged into its pixels.
                let (bw, bh) = (w * s, (rowEnd - rowBegin) * s), y0 = rowBegin * s
                var zbuf = [Float](repeating: .infinity, count: bw * bh), abuf = [Float](repeating: 0, count: bw * bh * ch)
                for t in 0..<mesh.triangleCount {
                    let (i0, i1, i2) = (Int(mesh.triangles[3 * t]), Int(mesh.triangles[3 * t + 1]), Int(mesh.triangles[3 * t + 2]))
                    guard sz[i0] > nearPlane && sz[i1] > nearPlane && sz[i2] > nearPlane else { continue }
                    let (ax, ay, bx, by, cx, cy) = (sx[i0], sy[i0], sx[i1], sy[i1], sx[i2], sy[i2])
                    let area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
                    guard area != 0 else { continue }
                    let xmin = max(0, Int((min(ax, bx, cx) - 0.5).rounded(.up))), xmax = min(bw - 1, Int((max(ax, bx, cx) - 0.5).rounded(.down)))
                    let ymin = max(y0, Int((min(ay, by, cy) - 0.5).rounded(.up))), ymax = min(y0 + bh - 1, Int((max(ay, by, cy) - 0.5).rounded(.down)))
                    guard xmin <= xmax && ymin <= ymax else { continue }
                    // Edge functions normalised by the area so they are barycentrics of either winding;
                    // top-left rule on the oriented edges keeps shared edges from being drawn twice.
                    let sign: Float = area > 0 ? 1 : -1
                    func topLeft(_ px: Float, _ py: Float, _ qx: Float, _ qy: Float) -> Bool {
                        let (ex, ey) = ((qx - px) * sign, (qy - py) * sign)
                        return (ey == 0 && ex < 0) || ey > 0
                    }
                    let bias = [topLeft(bx, by, cx, cy), topLeft(cx, cy, ax, ay), topLeft(ax, ay, bx, by)]
                    let (iz0, iz1, iz2) = (1 / sz[i0], 1 / sz[i1], 1 / sz[i2])
                    for y in ymin...ymax {
                        let py = Float(y) + 0.5
                        for x in xmin...xmax {
                            let px = Float(x) + 0.5
                            let w0 = ((cx - bx) * (py - by) - (cy - by) * (px - bx)) / area
                            let w1 = ((ax - cx) * (py - cy) - (ay - cy) * (px - cx)) / area
                            let w2 = 1 - w0 - w1
                            guard (w0 > 0 || (w0 == 0 && bias[0])) && (w1 > 0 || (w1 == 0 && bias[1]))
                                    && (w2 > 0 || (w2 == 0 && bias[2])) else { continue }
                            // 1/z is linear in screen space: the sample's depth and perspective-correct weights.
                            let iz = w0 * iz0 + w1 * iz1 + w2 * iz2, z = 1 / iz
                            let k = (y - y0) * bw + x
                            guard z < zbuf[k] else { continue }
                            zbuf[k] = z
                            let (p0, p1, p2) = (w0 * iz0 * z, w1 * iz1 * z, w2 * iz2 * z)
                            for c in 0..<ch {
                                abuf[k * ch + c] = p0 * mesh.attributes[i0 * ch + c] + p1 * mesh.attributes[i1 * ch + c]
                                    + p2 * mesh.attributes[i2 * ch + c]
                            }
                        }
                    }
                }
                for row in rowBegin..<rowEnd {
                    for x in 0..<w {
                        var covered = 0, nearest = Float.infinity
                        let o = row * w + x
                        for dy in 0..<s {
                            for dx in 0..<s {
                                let k = ((row - rowBegin) * s + dy) * bw + x * s + dx
                                guard zbuf[k].isFinite else { continue }
                                covered += 1
                                nearest = min(nearest, zbuf[k])
                                for c in 0..<ch { pat[o * ch + c] += abuf[k * ch + c] }
                            }
                        }
                        if covered > 0 { for c in 0..<ch { pat[o * ch + c] /= Float(covered) } }
                        pcv[o] = Float(covered) / Float(s * s)
                        pdp[o] = nearest
                    }
                }
            }
        } } }
        return RasterizedView(width: w, height: h, channels: ch, attributes: attributes, coverage: coverage, depth: depth)
    }
}

extension Mesh {
    /// Area-weighted vertex normals [N, 3] of `positions` [N, 3] over `triangles` (unit length; zero
    /// for vertices no triangle uses). Counter-clockwise triangles seen from outside give outward normals.
    public static func vertexNormals(positions: [Float], triangles: [Int32]) -> [Float] {
        var normals = [Float](repeating: 0, count: positions.count)
        func p(_ i: Int) -> SIMD3<Float> { SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) }
        for t in stride(from: 0, to: triangles.count, by: 3) {
            let (a, b, c) = (Int(triangles[t]), Int(triangles[t + 1]), Int(triangles[t + 2]))
            let (u, v) = (p(b) - p(a), p(c) - p(a))
            let n = SIMD3(u.y * v.z - u.z * v.y, u.z * v.x - u.x * v.z, u.x * v.y - u.y * v.x)  // |n| = 2 x area
            for i in [a, b, c] { for k in 0..<3 { normals[3 * i + k] += n[k] } }
        }
        for i in 0..<(positions.count / 3) {
            let n = SIMD3(normals[3 * i], normals[3 * i + 1], normals[3 * i + 2]), length = (n * n).sum().squareRoot()
            if length > 0 { for k in 0..<3 { normals[3 * i + k] /= length } }
        }
        return normals
    }
}
