export interface Column {
  label: string;
  className?: string;
  /** A column of buttons or tick boxes: its head is for screen readers only. */
  srOnly?: boolean;
}

function headText(c: Column) {
  return c.srOnly ? <span className="sr-only">{c.label}</span> : c.label;
}

/** The head of a <table>: one row of column heads. */
export function TableHead(props: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) => (
          <th key={c.label} scope="col" className={c.className}>
            {headText(c)}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** The column heads for the header row of an ARIA table built of divs (one that is virtualised). */
export function AriaColumnHeads(props: { columns: readonly Column[] }) {
  return (
    <>
      {props.columns.map((c) => (
        <span key={c.label} role="columnheader" className={c.className}>
          {headText(c)}
        </span>
      ))}
    </>
  );
}
