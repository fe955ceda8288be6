import Foundation
import Imaging
import Models
import Tensor

/// The input portrait as the generator wants it: a square RGB view of the whole head on white at the
/// model's resolution (framed like the orbit's cameras frame a head), plus the face aligned for the
/// identity encoder when a face was found.
public struct PreparedPortrait {
    /// RGB, resolution x resolution.
    public let view: Image
    /// The face's 112x112 ArcFace-template crop [3, 112, 112] in [0, 1], nil without face networks or face.
    public let alignedFace: Tensor?
    /// What was decided on the user's behalf (no face found, background kept, ...).
    public let notes: [String]

    /// Side of the square crop relative to the detected face box (its larger side), and how far above
    /// the box centre the crop is centred, in box heights: the framing of the orbit rig's front view, as
    /// measured with YuNet on the 0-degree front views of 8 synthetic subjects at 128 px (box height
    /// 68.4 px, centre 59.5 px down: the frame is 1.87 box heights, centred 0.066 of one below).
    static let cropScale: Float = 1.87, cropLift: Float = -0.066

    /// `faces` nil: no face networks; the largest centred square is used.
    public init(_ image: Image, resolution: Int, faces: FaceAnalysis?) {
        var notes: [String] = []
        let onWhite: Image
        if image.channels == 2 || image.channels == 4 {
            onWhite = image.compositedRGB()
        } else {
            let mask = BackgroundMask(of: image)
            if mask.borderAgreement >= 0.6 {
                onWhite = mask.filled()
            } else {
                onWhite = mask.rgb
                notes.append("background kept: the image border is not a plain colour (give an RGBA image to mask it)")
            }
        }
        let (w, h) = (Float(image.width), Float(image.height))
        var square = (cx: w / 2, cy: h / 2, side: min(w, h))
        var aligned: Tensor?
        if let faces {
            if let found = faces.analyse(image) {
                let box = found.chosen
                square = (box.x + box.width / 2, box.y + box.height / 2 - Self.cropLift * box.height,
                          Self.cropScale * max(box.width, box.height))
                aligned = found.aligned
                if let note = found.note { notes.append(note) }
            } else {
                notes.append("no face found: using the centred square and no identity token")
            }
        } else {
            notes.append("face networks not installed (`orbit setup`): using the centred square and no identity token")
        }
        view = Self.squareCrop(onWhite, centreX: square.cx, centreY: square.cy, side: square.side)
            .resized(width: resolution, height: resolution, filter: .area)
        self.notes = notes
        alignedFace = aligned
    }

    /// The square [cx - side/2, cx + side/2) x [cy - side/2, ...) at whole-pixel bounds, padded with white
    /// where it leaves the image.
    static func squareCrop(_ rgb: Image, centreX: Float, centreY: Float, side: Float) -> Image {
        let n = max(1, Int(side.rounded()))
        let (x0, y0) = (Int((centreX - Float(n) / 2).rounded()), Int((centreY - Float(n) / 2).rounded()))
        var out = Image(width: n, height: n, channels: 3, filling: 1)
        for y in 0..<n where y0 + y >= 0 && y0 + y < rgb.height {
            for x in 0..<n where x0 + x >= 0 && x0 + x < rgb.width {
                for c in 0..<3 { out[x, y, c] = rgb[x0 + x, y0 + y, c] }
            }
        }
        return out
    }
}
