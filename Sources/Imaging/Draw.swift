/// Minimal annotation drawing on RGB(A) images (`orbit face`, training curves): rectangles, dots, lines.
extension Image {
    /// Sets pixel (x, y) to `color` (RGB in [0, 1]; alpha, if any, to 1) when inside the image.
    mutating func plot(_ x: Int, _ y: Int, _ color: (Float, Float, Float)) {
        guard x >= 0, y >= 0, x < width, y < height, channels >= 3 else { return }
        self[x, y, 0] = color.0
        self[x, y, 1] = color.1
        self[x, y, 2] = color.2
        if channels == 4 { self[x, y, 3] = 1 }
    }

    /// Outline of the rectangle [x, x + w) x [y, y + h), `thickness` pixels wide.
    public mutating func drawRectangle(x: Float, y: Float, width w: Float, height h: Float,
                                       color: (Float, Float, Float), thickness: Int = 2) {
        let (x0, y0, x1, y1) = (Int(x.rounded()), Int(y.rounded()), Int((x + w).rounded()), Int((y + h).rounded()))
        for t in 0..<thickness {
            for px in x0...max(x0, x1) { plot(px, y0 + t, color); plot(px, y1 - t, color) }
            for py in y0...max(y0, y1) { plot(x0 + t, py, color); plot(x1 - t, py, color) }
        }
    }

    /// A filled square dot of the given radius centred on (x, y).
    public mutating func drawDot(x: Float, y: Float, radius: Int = 2, color: (Float, Float, Float)) {
        let (cx, cy) = (Int(x.rounded()), Int(y.rounded()))
        for dy in -radius...radius { for dx in -radius...radius { plot(cx + dx, cy + dy, color) } }
    }

    /// A straight line from (x0, y0) to (x1, y1), one pixel wide (Bresenham).
    public mutating func drawLine(x0: Float, y0: Float, x1: Float, y1: Float, color: (Float, Float, Float)) {
        var (x, y) = (Int(x0.rounded()), Int(y0.rounded()))
        let (xe, ye) = (Int(x1.rounded()), Int(y1.rounded()))
        let (dx, dy) = (abs(xe - x), -abs(ye - y))
        let (sx, sy) = (x < xe ? 1 : -1, y < ye ? 1 : -1)
        var err = dx + dy
        while true {
            plot(x, y, color)
            if x == xe && y == ye { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
