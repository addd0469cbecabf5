module herald/bench/compare

go 1.26
