// TagLib is a C++ library; its headers are included by the CTagLib shim only.
#pragma once
