// The libm functions berth calls, so that berth does not load libm.so at all: ceil
// (std::unordered_map's rehash policy and fmt, inlined from headers into nearly every
// file), llround (systemd unit properties), and fegetround/fesetround (libstdc++'s
// std::from_chars for double sets round-to-nearest around strtod); pow's one use multiplies.
// libm cost every berth process 328 KiB of resident pages (its text, faulted in 64 KiB
// at a time) and the loader a library to open, map and relocate, twice per create/run/
// exec. The linker binds these definitions before any library, libstdc++.a's objects
// included; with --as-needed libm then leaves the binary's DT_NEEDED.
//
// No <cmath> or <cfenv> here: they declare the same names. Checked by
// tests/unit/util/math_shim_test.cpp. Elsewhere than x86-64 the rounding-mode pair is
// libm's, and libm stays.
#include <climits>

extern "C" {

double ceil(double x) noexcept {
    // From 2^52 on every double is an integer; NaN and the infinities come back as given.
    if (!(__builtin_fabs(x) < 4503599627370496.0)) return x;
    double t = static_cast<double>(static_cast<long long>(x));  // toward zero, exact
    if (t < x) t += 1.0;
    return __builtin_copysign(t, x);  // ceil(-0.5) is -0.0
}

long long llround(double x) noexcept {
    // Out of range (and NaN): unspecified by C; LLONG_MIN as glibc returns.
    if (!(__builtin_fabs(x) < 9223372036854775808.0)) return LLONG_MIN;
    long long t = static_cast<long long>(x);
    double frac = x - static_cast<double>(t);  // exact: |frac| < 1 and t is x truncated
    if (frac >= 0.5) ++t;
    else if (frac <= -0.5) --t;
    return t;
}

#if defined(__x86_64__)
// The x87 control word and the SSE MXCSR each hold a rounding mode; FE_* are the x87
// RC bits (0, 0x400, 0x800, 0xc00), MXCSR keeps them three bits higher.
constexpr int kRoundingBits = 0xc00;

int fegetround() noexcept {
    unsigned short cw = 0;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw & kRoundingBits;
}

int fesetround(int mode) noexcept {
    if ((mode & ~kRoundingBits) != 0) return 1;
    unsigned short cw = 0;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    cw = static_cast<unsigned short>((cw & ~kRoundingBits) | mode);
    __asm__ volatile("fldcw %0" : : "m"(cw));
    unsigned int mxcsr = 0;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    mxcsr = (mxcsr & ~(static_cast<unsigned int>(kRoundingBits) << 3)) | (static_cast<unsigned int>(mode) << 3);
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    return 0;
}
#endif

}  // extern "C"
