/*
 * arena.hpp — a bump allocator for the values of a batch of rows: copies never move, so
 * cells may point into it until reset(). Used by the read-ahead of both drivers.
 * Zone: driver zone, std only.
 */
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace tributary::remote {

class Arena {
public:
	/* A copy of n bytes at p, valid until reset(). */
	const char *copy(const char *p, std::size_t n);
	/* Forget the contents; keep the standard chunks for reuse, free oversized ones. */
	void reset() noexcept;
	/* Bytes copied since the last reset. */
	std::size_t used() const noexcept { return m_used; }

private:
	struct Chunk {
		std::unique_ptr<char[]> data;
		std::size_t size;
	};
	std::vector<Chunk> m_chunks;
	std::size_t m_index = 0;
	std::size_t m_offset = 0;
	std::size_t m_used = 0;
};

} // namespace tributary::remote
