import { PageTitle } from '../ui';

export function SubaccountDetail({ id }: { id: string }) {
  return (
    <>
      <PageTitle>SubaccountDetail</PageTitle>
      <p>{id}</p>
    </>
  );
}
