/// A colour with 8-bit red, green and blue channels (sRGB, no alpha).
public struct RGBColor: Hashable, Sendable, CustomStringConvertible {
    /// The red channel, 0...255.
    public var red: UInt8
    /// The green channel, 0...255.
    public var green: UInt8
    /// The blue channel, 0...255.
    public var blue: UInt8

    /// A colour from its three channels.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from a 24-bit `0xRRGGBB` value, as written in CSS (`RGBColor(hex: 0x1E90FF)`).
    public init(hex: UInt32) {
        self.init(red: UInt8(truncatingIfNeeded: hex >> 16),
                  green: UInt8(truncatingIfNeeded: hex >> 8),
                  blue: UInt8(truncatingIfNeeded: hex))
    }

    /// Black, `#000000`.
    public static let black = RGBColor(red: 0, green: 0, blue: 0)
    /// White, `#FFFFFF`.
    public static let white = RGBColor(red: 255, green: 255, blue: 255)

    /// The colour a fraction `t` of the way from `self` to `other` (0 gives `self`, 1 gives
    /// `other`), each channel interpolated linearly and rounded; `t` is clamped to 0...1.
    public func mixed(with other: RGBColor, by t: Double) -> RGBColor {
        let t = min(max(t, 0), 1)
        func channel(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded())
        }
        return RGBColor(red: channel(red, other.red), green: channel(green, other.green), blue: channel(blue, other.blue))
    }

    /// The colour as `#RRGGBB`.
    public var description: String {
        let value = UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue)
        let digits = String(value, radix: 16, uppercase: true)
        return "#" + String(repeating: "0", count: 6 - digits.count) + digits
    }
}
