import Foundation
import Geometry
import Splat

/// What every views reader must hand the trainer (transforms.json and COLMAP alike): at least one
/// view, each camera of its image's size with finite positive focal lengths, a finite principal
/// point and translation and a rigid rotation (`Camera.poseProblem`), and pixels and alpha for
/// every pixel. A camera that breaks these trains on garbage without a word.
enum DatasetViewsCheck {
    static func check(_ views: [DatasetView], readFrom folder: String) {
        guard !views.isEmpty else { finding("\(folder) was read as no views") }
        for view in views {
            let c = view.camera, which = "\(folder): view \(view.name)"
            guard c.width >= 1, c.height >= 1, view.image.width == c.width, view.image.height == c.height,
                  view.image.pixels.count == c.width * c.height * view.image.channels, view.alpha.count == c.width * c.height else {
                finding("\(which) has a \(c.width)x\(c.height) camera for a \(view.image.width)x\(view.image.height) image")
            }
            guard c.fx.isFinite, c.fy.isFinite, c.fx > 0, c.fy > 0, c.cx.isFinite, c.cy.isFinite else {
                finding("\(which) has intrinsics fx \(c.fx), fy \(c.fy), cx \(c.cx), cy \(c.cy)")
            }
            guard c.rotation.count == 9, c.rotation.allSatisfy(\.isFinite), (0..<3).allSatisfy({ c.translation[$0].isFinite }) else {
                finding("\(which) has a non-finite pose: rotation \(c.rotation), translation \(c.translation)")
            }
            let rows = (0..<3).map { r in Array(c.rotation[(3 * r)..<(3 * r + 3)]) + [0] }
            if let problem = Camera.poseProblem(cameraToWorld: rows) { finding("\(which): the camera's rotation \(problem)") }
        }
    }
}
