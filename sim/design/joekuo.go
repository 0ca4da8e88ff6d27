package design

// joeKuo holds the Sobol direction numbers of dimensions 2 to 64 (dimension
// 1, van der Corput's sequence in base 2, needs none): for each, the degree
// s of its primitive polynomial, the polynomial's inner coefficients a, and
// the initial direction numbers m_1 ... m_s. They are the first 63 rows of
// new-joe-kuo-6.21201, from S. Joe and F. Y. Kuo, "Constructing Sobol
// sequences with better two-dimensional projections", SIAM J. Sci. Comput.
// 30, 2635-2654 (2008), https://web.maths.unsw.edu.au/~fkuo/sobol/, the
// table scipy.stats.qmc.Sobol also uses.
//
// Copyright (c) 2008, Frances Y. Kuo and Stephen Joe. All rights reserved.
// Redistribution and use in source and binary forms, with or without
// modification, are permitted provided that the following conditions are
// met: redistributions of source code must retain the above copyright
// notice, this list of conditions and the following disclaimer;
// redistributions in binary form must reproduce the above copyright
// notice, this list of conditions and the following disclaimer in the
// documentation and/or other materials provided with the distribution;
// neither the names of the copyright holders nor the names of the
// University of New South Wales and the University of Waikato and its
// contributors may be used to endorse or promote products derived from
// this software without specific prior written permission. THIS SOFTWARE
// IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY
// EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
// IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR
// PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNERS OR
// CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
// EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
// PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
// PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
// LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
// NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
// SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
var joeKuo = [...]struct {
	s, a uint32
	m    []uint32
}{
	{1, 0, []uint32{1}},                                  // 2
	{2, 1, []uint32{1, 3}},                               // 3
	{3, 1, []uint32{1, 3, 1}},                            // 4
	{3, 2, []uint32{1, 1, 1}},                            // 5
	{4, 1, []uint32{1, 1, 3, 3}},                         // 6
	{4, 4, []uint32{1, 3, 5, 13}},                        // 7
	{5, 2, []uint32{1, 1, 5, 5, 17}},                     // 8
	{5, 4, []uint32{1, 1, 5, 5, 5}},                      // 9
	{5, 7, []uint32{1, 1, 7, 11, 19}},                    // 10
	{5, 11, []uint32{1, 1, 5, 1, 1}},                     // 11
	{5, 13, []uint32{1, 1, 1, 3, 11}},                    // 12
	{5, 14, []uint32{1, 3, 5, 5, 31}},                    // 13
	{6, 1, []uint32{1, 3, 3, 9, 7, 49}},                  // 14
	{6, 13, []uint32{1, 1, 1, 15, 21, 21}},               // 15
	{6, 16, []uint32{1, 3, 1, 13, 27, 49}},               // 16
	{6, 19, []uint32{1, 1, 1, 15, 7, 5}},                 // 17
	{6, 22, []uint32{1, 3, 1, 15, 13, 25}},               // 18
	{6, 25, []uint32{1, 1, 5, 5, 19, 61}},                // 19
	{7, 1, []uint32{1, 3, 7, 11, 23, 15, 103}},           // 20
	{7, 4, []uint32{1, 3, 7, 13, 13, 15, 69}},            // 21
	{7, 7, []uint32{1, 1, 3, 13, 7, 35, 63}},             // 22
	{7, 8, []uint32{1, 3, 5, 9, 1, 25, 53}},              // 23
	{7, 14, []uint32{1, 3, 1, 13, 9, 35, 107}},           // 24
	{7, 19, []uint32{1, 3, 1, 5, 27, 61, 31}},            // 25
	{7, 21, []uint32{1, 1, 5, 11, 19, 41, 61}},           // 26
	{7, 28, []uint32{1, 3, 5, 3, 3, 13, 69}},             // 27
	{7, 31, []uint32{1, 1, 7, 13, 1, 19, 1}},             // 28
	{7, 32, []uint32{1, 3, 7, 5, 13, 19, 59}},            // 29
	{7, 37, []uint32{1, 1, 3, 9, 25, 29, 41}},            // 30
	{7, 41, []uint32{1, 3, 5, 13, 23, 1, 55}},            // 31
	{7, 42, []uint32{1, 3, 7, 3, 13, 59, 17}},            // 32
	{7, 50, []uint32{1, 3, 1, 3, 5, 53, 69}},             // 33
	{7, 55, []uint32{1, 1, 5, 5, 23, 33, 13}},            // 34
	{7, 56, []uint32{1, 1, 7, 7, 1, 61, 123}},            // 35
	{7, 59, []uint32{1, 1, 7, 9, 13, 61, 49}},            // 36
	{7, 62, []uint32{1, 3, 3, 5, 3, 55, 33}},             // 37
	{8, 14, []uint32{1, 3, 1, 15, 31, 13, 49, 245}},      // 38
	{8, 21, []uint32{1, 3, 5, 15, 31, 59, 63, 97}},       // 39
	{8, 22, []uint32{1, 3, 1, 11, 11, 11, 77, 249}},      // 40
	{8, 38, []uint32{1, 3, 1, 11, 27, 43, 71, 9}},        // 41
	{8, 47, []uint32{1, 1, 7, 15, 21, 11, 81, 45}},       // 42
	{8, 49, []uint32{1, 3, 7, 3, 25, 31, 65, 79}},        // 43
	{8, 50, []uint32{1, 3, 1, 1, 19, 11, 3, 205}},        // 44
	{8, 52, []uint32{1, 1, 5, 9, 19, 21, 29, 157}},       // 45
	{8, 56, []uint32{1, 3, 7, 11, 1, 33, 89, 185}},       // 46
	{8, 67, []uint32{1, 3, 3, 3, 15, 9, 79, 71}},         // 47
	{8, 70, []uint32{1, 3, 7, 11, 15, 39, 119, 27}},      // 48
	{8, 84, []uint32{1, 1, 3, 1, 11, 31, 97, 225}},       // 49
	{8, 97, []uint32{1, 1, 1, 3, 23, 43, 57, 177}},       // 50
	{8, 103, []uint32{1, 3, 7, 7, 17, 17, 37, 71}},       // 51
	{8, 115, []uint32{1, 3, 1, 5, 27, 63, 123, 213}},     // 52
	{8, 122, []uint32{1, 1, 3, 5, 11, 43, 53, 133}},      // 53
	{9, 8, []uint32{1, 3, 5, 5, 29, 17, 47, 173, 479}},   // 54
	{9, 13, []uint32{1, 3, 3, 11, 3, 1, 109, 9, 69}},     // 55
	{9, 16, []uint32{1, 1, 1, 5, 17, 39, 23, 5, 343}},    // 56
	{9, 22, []uint32{1, 3, 1, 5, 25, 15, 31, 103, 499}},  // 57
	{9, 25, []uint32{1, 1, 1, 11, 11, 17, 63, 105, 183}}, // 58
	{9, 44, []uint32{1, 1, 5, 11, 9, 29, 97, 231, 363}},  // 59
	{9, 47, []uint32{1, 1, 5, 15, 19, 45, 41, 7, 383}},   // 60
	{9, 52, []uint32{1, 3, 7, 7, 31, 19, 83, 137, 221}},  // 61
	{9, 55, []uint32{1, 1, 1, 3, 23, 15, 111, 223, 83}},  // 62
	{9, 59, []uint32{1, 1, 5, 13, 31, 15, 55, 25, 161}},  // 63
	{9, 62, []uint32{1, 1, 3, 13, 25, 47, 39, 87, 257}},  // 64
}
