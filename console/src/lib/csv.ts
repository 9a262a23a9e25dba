/** CSV export of what a table shows (papaparse writes it, quoting as needed), downloaded by the browser. */
import Papa from 'papaparse';

export const toCsv = <T>(
  rows: readonly T[],
  columns: ReadonlyArray<{ header: string; value: (row: T) => unknown }>,
) =>
  Papa.unparse({
    fields: columns.map((c) => c.header),
    data: rows.map((row) =>
      columns.map((c) => {
        const value = c.value(row);
        return value === undefined || value === null ? '' : String(value);
      }),
    ),
  });

export const downloadText = (fileName: string, text: string, type = 'text/csv;charset=utf-8') => {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
};
