import { PageTitle } from '../ui';

export function CustomerDetail({ id }: { id: string }) {
  return (
    <>
      <PageTitle>CustomerDetail</PageTitle>
      <p>{id}</p>
    </>
  );
}
