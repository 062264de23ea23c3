// FilterType (MS-ASCMD 2.2.3.69.2): the time window of mail and calendar a
// device keeps, and "incomplete tasks only".
#ifndef EAS_REFERENCE_COMMANDS_FILTER_TYPE_H_
#define EAS_REFERENCE_COMMANDS_FILTER_TYPE_H_

#include <cstdint>
#include <string>

namespace eas::commands {

// 0 no filter; 1 one day, 2 three days, 3 one week, 4 two weeks, 5 one month,
// 6 three months, 7 six months back; 8 incomplete tasks.
inline constexpr int kFilterIncompleteTasks = 8;

// Whether a stored item (ApplicationData XML) is inside the filter at `now`
// (Unix seconds). Items without the date the filter looks at are inside;
// a recurring appointment is inside (its later occurrences may be).
bool InsideFilter(int filter_type, const std::string& item_class, const std::string& data,
                  int64_t now);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_FILTER_TYPE_H_
