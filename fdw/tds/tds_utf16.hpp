/*
 * tds_utf16.hpp — FreeTDS's UTF-16LE → UTF-8 conversion of nvarchar, nchar,
 * ntext and xml values, done in one tight loop instead of glibc's iconv.
 *
 * Zone: driver zone (std only in this header).
 *
 * Why: db-lib converts every Unicode value to the client charset (UTF-8) as
 * the row arrives, through iconv(3); glibc converts UTF-16 → UCS-4 → UTF-8
 * in two table-driven steps, and on a scan of text columns that was half of
 * the driver's CPU. db-lib cannot be told to hand over the UTF-16 bytes (a
 * UTF-16 client charset also applies to the login record and the SQL text,
 * which are C strings), so install_fast_utf16() redirects libsybdb's calls
 * to iconv_open/iconv/iconv_close (its GOT entries) to wrappers: descriptors
 * opened for UTF-16LE → UTF-8 are converted by utf16le_to_utf8() below, with
 * the same results, errno values and buffer positions as glibc (a unit test
 * compares them); every other descriptor goes to glibc unchanged.
 */
#pragma once

#include <cstddef>

namespace tributary::tds {

/*
 * Convert like iconv(3) with a "UTF-8" ← "UTF-16LE" descriptor: advances
 * the input and output pointers and counts over what was converted and returns 0, or
 * returns (size_t) -1 with errno E2BIG (output full), EILSEQ (a lone
 * surrogate: *in points at it) or EINVAL (input ends inside a character).
 */
std::size_t utf16le_to_utf8(const char **in, std::size_t *in_left, char **out,
                            std::size_t *out_left) noexcept;

/*
 * Redirect libsybdb's iconv calls (see above), once per process. Returns
 * false — and changes nothing — when that is not possible (the library is
 * linked with full RELRO, the symbols are not found); db-lib then keeps
 * glibc's conversion. Call it before the first dbopen(): descriptors opened
 * earlier stay with glibc. Never throws.
 */
bool install_fast_utf16() noexcept;

/* True once install_fast_utf16() succeeded. */
bool fast_utf16_installed() noexcept;

} // namespace tributary::tds
